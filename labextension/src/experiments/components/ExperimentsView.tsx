/**
 * The Experiments view: query bar, table tools (columns, grouping, saved
 * views, link), the runs table with its total, and the chart panel.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Button, UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import { ErrorView } from '../../errors';
import { columnLabel } from '../models/columns';
import type { ExperimentsModel } from '../models/experiments';
import { ChartPanel } from './ChartPanel';
import { ColumnChooser } from './ColumnChooser';
import { QueryBar } from './QueryBar';
import { RunsTable } from './RunsTable';

export interface IExperimentsViewProps {
  model: ExperimentsModel;
  trans: TranslationBundle;
  onOpen: (runId: string) => void;
  onCompare: (runIds: string[]) => void;
  /** Copy a link that opens JupyterLab on this view. */
  onCopyLink: () => void;
  /** Ask the user for a name (null when cancelled). */
  askName: () => Promise<string | null>;
}

export function ExperimentsView(props: IExperimentsViewProps): JSX.Element {
  return (
    <UseSignal signal={props.model.changed}>{() => <Content {...props} />}</UseSignal>
  );
}

function Content(props: IExperimentsViewProps): JSX.Element {
  const { model, trans, onOpen } = props;
  const { view, catalog } = model;
  const groups = [
    'experiment',
    'notebook',
    ...catalog.tags.map(k => `tags.${k}`),
    ...catalog.params.map(k => `params.${k}`)
  ];
  return (
    <div className="jp-mlops-Experiments" data-state={model.status}>
      <QueryBar
        value={view.query}
        error={model.queryError}
        catalog={catalog}
        trans={trans}
        onSubmit={query => void model.setView({ query })}
      />
      <div className="jp-mlops-TableTools">
        <span className="jp-mlops-Total" data-testid="mlops-total" aria-live="polite">
          {model.total === null
            ? trans.__('Loading…')
            : trans._n('%1 run', '%1 runs', model.total)}
        </span>
        <ColumnChooser
          catalog={catalog}
          columns={view.columns}
          trans={trans}
          onChange={columns => void model.setView({ columns })}
        />
        <label>
          {trans.__('Group by')}{' '}
          <select
            className="jp-mod-styled"
            data-testid="mlops-group"
            value={view.group}
            onChange={event => void model.setView({ group: event.target.value })}
          >
            <option value="">{trans.__('Nothing')}</option>
            {groups.map(key => (
              <option key={key} value={key}>
                {key.includes('.') ? `${key.split('.')[0]}: ${columnLabel(key)}` : columnLabel(key)}
              </option>
            ))}
          </select>
        </label>
        <SavedViews {...props} />
        <Button className="jp-mod-styled" data-testid="mlops-copy-link" onClick={props.onCopyLink}>
          {trans.__('Copy link')}
        </Button>
        <Button
          className="jp-mod-styled jp-mod-accept"
          data-testid="mlops-table-compare"
          disabled={model.selected.length < 2}
          title={trans.__('Select at least two runs to compare')}
          onClick={() => props.onCompare(model.selected)}
        >
          {trans.__('Compare (%1)', model.selected.length)}
        </Button>
      </div>
      {model.status === 'error' && model.error ? (
        <ErrorView error={model.error} trans={trans} onRetry={() => void model.reload()} />
      ) : (
        <RunsTable model={model} trans={trans} onOpen={onOpen} />
      )}
      <ChartPanel model={model} trans={trans} />
    </div>
  );
}

function SavedViews({ model, trans, askName }: IExperimentsViewProps): JSX.Element {
  const names = model.savedViews;
  return (
    <span className="jp-mlops-SavedViews">
      <select
        className="jp-mod-styled"
        data-testid="mlops-saved-views"
        aria-label={trans.__('Saved views')}
        value=""
        onChange={event => void model.openSavedView(event.target.value)}
      >
        <option value="">{trans.__('Saved views (%1)', names.length)}</option>
        {names.map(name => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <Button
        className="jp-mod-styled"
        data-testid="mlops-save-view"
        onClick={async () => {
          const name = await askName();
          if (name) {
            model.saveViewAs(name);
          }
        }}
      >
        {trans.__('Save view')}
      </Button>
    </span>
  );
}
