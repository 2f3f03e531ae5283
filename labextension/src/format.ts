/**
 * How values read in the UI: durations, times, metric numbers, statuses.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { RunStatus } from './schema';

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`; an em dash when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '—';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A metric value with four significant digits; `NaN` for a logged NaN. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return 'NaN';
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e9) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)
    ? value.toExponential(3)
    : String(Number(value.toPrecision(4)));
}

/** Local date and time, for tooltips and the details page. */
export function formatTimestamp(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** `just now`, `5 min ago`, `3 h ago`, else the local date. */
export function formatWhen(
  iso: string,
  trans: TranslationBundle,
  now: number = Date.now()
): string {
  const elapsed = (now - Date.parse(iso)) / 1000;
  if (elapsed < 60) {
    return trans.__('just now');
  }
  if (elapsed < 3600) {
    return trans.__('%1 min ago', Math.floor(elapsed / 60));
  }
  if (elapsed < 86400) {
    return trans.__('%1 h ago', Math.floor(elapsed / 3600));
  }
  return new Date(iso).toLocaleDateString();
}

/** The three looks a status can have, plus running and interrupted. */
export type StatusLook = 'ok' | 'error' | 'crashed' | 'running' | 'interrupted';

export function statusLook(status: RunStatus): StatusLook {
  switch (status) {
    case 'finished':
      return 'ok';
    case 'failed':
      return 'error';
    default:
      return status;
  }
}

export function statusLabel(status: RunStatus, trans: TranslationBundle): string {
  switch (status) {
    case 'running':
      return trans.__('running');
    case 'finished':
      return trans.__('ok');
    case 'failed':
      return trans.__('error');
    case 'interrupted':
      return trans.__('interrupted');
    case 'crashed':
      return trans.__('crashed');
  }
}

/** File sizes as people read them. */
export function formatBytes(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
