/**
 * How a version's verification reads: the badge's label and what changed,
 * in the words a reviewer needs (which metric moved by how much, which
 * dataset's fingerprint changed, which package version differs).
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { formatNumber } from '../format';
import type { IDifference, IVerification, VerificationStatus } from './types';

export function verificationLabel(
  status: VerificationStatus,
  trans: TranslationBundle
): string {
  switch (status) {
    case 'reproduced':
      return trans.__('reproduced');
    case 'not_reproduced':
      return trans.__('not reproduced');
    case 'failed':
      return trans.__('verify failed');
    default:
      return trans.__('unverified');
  }
}

/** One line per difference. */
export function describeDifference(difference: IDifference, trans: TranslationBundle): string {
  const { kind, name, expected, actual, detail } = difference;
  let text: string;
  if (kind === 'metric' && typeof expected === 'number' && typeof actual === 'number') {
    const delta = actual - expected;
    text = trans.__(
      'metric %1: %2 → %3 (%4)',
      name,
      formatNumber(expected),
      formatNumber(actual),
      `${delta >= 0 ? '+' : ''}${formatNumber(delta)}`
    );
  } else if (kind === 'dataset') {
    text = trans.__('dataset %1: fingerprint changed', name);
  } else if (kind === 'package') {
    text = trans.__('package %1: %2 → %3', name, show(expected), show(actual));
  } else {
    text = `${kind} ${name}: ${show(expected)} → ${show(actual)}`;
  }
  return detail ? `${text} — ${detail}` : text;
}

/** The badge's tooltip: status, when, and every difference. */
export function verificationSummary(
  verification: IVerification,
  trans: TranslationBundle
): string {
  const lines = [verificationLabel(verification.status, trans)];
  if (verification.at) {
    lines[0] += ` (${new Date(verification.at).toLocaleString()})`;
  }
  if (verification.status === 'unverified') {
    lines.push(trans.__('Verify rebuilds the model from train.py in a clean kernel.'));
  }
  if (verification.error) {
    lines.push(verification.error);
  }
  for (const difference of verification.differences ?? []) {
    lines.push(describeDifference(difference, trans));
  }
  return lines.join('\n');
}

function show(value: unknown): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return typeof value === 'number' ? formatNumber(value) : String(value);
}
