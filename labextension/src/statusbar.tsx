/**
 * Status bar item: is the active notebook's kernel tracked? Clicking it when
 * not tracked runs the track command.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import { mlopsIcon } from './icons';
import type { TrackingModel } from './tracking';

export class TrackingStatus extends ReactWidget {
  constructor(
    private readonly model: TrackingModel,
    private readonly trans: TranslationBundle,
    private readonly track: () => void
  ) {
    super();
    this.addClass('jp-mlops-TrackingStatus');
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => this._renderState()}
      </UseSignal>
    );
  }

  private _renderState(): JSX.Element | null {
    const { kernelId, tracking, error, isTracked: tracked } = this.model;
    if (kernelId === null) {
      return null;
    }
    const trans = this.trans;
    const text = error && !tracked
      ? trans.__('MLOps: unknown')
      : tracked
        ? trans.__('MLOps: tracked')
        : trans.__('MLOps: not tracked');
    const caption = error && !tracked
      ? trans.__('Could not ask the server whether this kernel is tracked: %1', error.message)
      : tracked
        ? trans.__('Cells of this notebook are recorded as runs')
        : trans.__('Click to start tracking this notebook’s kernel');
    return (
      <button
        type="button"
        className="jp-mlops-TrackingButton"
        data-testid="mlops-tracking-status"
        data-tracked={tracking === null && !tracked ? 'unknown' : String(tracked)}
        title={caption}
        disabled={tracked}
        onClick={this.track}
      >
        <mlopsIcon.react tag="span" className="jp-mlops-TrackingIcon" />
        <span>{text}</span>
      </button>
    );
  }
}
