/**
 * Small pieces shared by the run list and the run details page.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import {
  bugIcon,
  buildIcon,
  checkIcon,
  circleIcon,
  errorIcon,
  LabIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import React from 'react';

import { statusLabel, StatusLook, statusLook } from './format';
import type { IRunSummary, RunStatus } from './schema';

const STATUS_ICONS: Record<StatusLook, LabIcon> = {
  ok: checkIcon,
  error: errorIcon,
  crashed: bugIcon,
  running: circleIcon,
  interrupted: stopIcon
};

export function StatusIcon({
  status,
  trans
}: {
  status: RunStatus;
  trans: TranslationBundle;
}): JSX.Element {
  const look = statusLook(status);
  const Icon = STATUS_ICONS[look].react;
  return (
    <span
      className={`jp-mlops-StatusIcon jp-mlops-mod-${look}`}
      title={statusLabel(status, trans)}
      role="img"
      aria-label={statusLabel(status, trans)}
    >
      <Icon tag="span" />
    </span>
  );
}

export function WarningBadge({ trans }: { trans: TranslationBundle }): JSX.Element {
  const text = trans.__(
    'Lineage warning: this run depends on cells that were edited or run out of order'
  );
  return (
    <span
      className="jp-mlops-WarningBadge"
      data-testid="mlops-warning-badge"
      title={text}
      aria-label={text}
      role="img"
    >
      !
    </span>
  );
}

/**
 * The kind of model a run produced, or null. The kernel tags it `model.type`
 * (`NAME.model.type` for further models); `model_type` is accepted too.
 */
export function modelType(run: IRunSummary): string | null {
  const key = Object.keys(run.tags).find(
    tag => tag === 'model_type' || tag === 'model.type' || tag.endsWith('.model.type')
  );
  return key === undefined ? null : run.tags[key];
}

/**
 * "Package and register model", shown on runs that produced a model: opens
 * the packaging dialog for the run.
 */
export function PackageButton({
  run,
  trans,
  onPackage,
  compact = false
}: {
  run: IRunSummary;
  trans: TranslationBundle;
  onPackage: (run: IRunSummary) => void;
  compact?: boolean;
}): JSX.Element {
  const label = trans.__('Package and register model');
  return (
    <button
      type="button"
      className={
        compact
          ? 'jp-mlops-PackageButton jp-Button jp-mod-minimal'
          : 'jp-mlops-PackageButton jp-Button jp-mod-styled'
      }
      data-testid="mlops-package"
      title={`${label} (${modelType(run)})`}
      aria-label={`${label}: ${run.name}`}
      onClick={event => {
        // In a run row, the click must not also open the run.
        event.stopPropagation();
        onPackage(run);
      }}
    >
      <buildIcon.react tag="span" />
      {!compact && <span>{label}</span>}
    </button>
  );
}
