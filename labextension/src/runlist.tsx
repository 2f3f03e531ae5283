/**
 * The Runs section of the sidebar: search and filter bar, the windowed run
 * list, and the selection bar that leads to comparison.
 */
import { PathExt } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  Button,
  caretDownIcon,
  caretUpIcon,
  searchIcon
} from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useRef, useState } from 'react';

import { ErrorView } from './errors';
import {
  formatDuration,
  formatNumber,
  formatTimestamp,
  formatWhen,
  statusLabel
} from './format';
import { modelType, PackageButton, StatusIcon, WarningBadge } from './runbits';
import { isUnfiltered, keyMetrics } from './runfilter';
import type { RunsModel } from './runs';
import { IRunSummary, RUN_STATUSES, RunStatus } from './schema';
import { useListKeys, VirtualList } from './virtuallist';

/** Two text lines per row; fixed, so the list can be windowed. */
const ROW_HEIGHT = 44;
/** Typing pauses this long before the list is filtered again. */
const DEBOUNCE_MS = 250;

export interface IRunListProps {
  model: RunsModel;
  trans: TranslationBundle;
  onOpen: (runId: string) => void;
  onCompare: (runIds: string[]) => void;
  onPackage: (run: IRunSummary) => void;
}

export function RunsView(props: IRunListProps): JSX.Element {
  const { model, trans } = props;
  return (
    <div className="jp-mlops-Runs" data-state={model.status}>
      <FilterBar model={model} trans={trans} />
      <ScopeNote model={model} trans={trans} />
      <SelectionBar {...props} />
      <RunsBody {...props} />
    </div>
  );
}

function RunsBody(props: IRunListProps): JSX.Element {
  const { model, trans } = props;
  if (model.offline) {
    return (
      <div className="jp-mlops-Offline" role="alert" data-testid="mlops-offline">
        <p>
          <b>{trans.__('Offline.')}</b>{' '}
          {trans.__('The Jupyter server does not answer; the list reloads by itself when it is back.')}
        </p>
      </div>
    );
  }
  if (model.status === 'error' && model.error) {
    return (
      <ErrorView
        error={model.error}
        trans={trans}
        onRetry={() => void model.reload()}
      />
    );
  }
  if (model.status !== 'ready' && model.runs.length === 0) {
    return (
      <p className="jp-mlops-Loading" role="status">
        {trans.__('Loading runs…')}
      </p>
    );
  }
  if (model.runs.length === 0) {
    return isUnfiltered(model.filters) && model.notebookShown === null ? (
      <EmptyStore trans={trans} />
    ) : (
      <div className="jp-mlops-Empty" data-testid="mlops-no-match">
        <p>{trans.__('No runs match these filters.')}</p>
        <Button
          className="jp-mod-styled"
          onClick={() =>
            void model.setFilters({ query: '', status: '', experiment: '', tag: '' })
          }
        >
          {trans.__('Clear filters')}
        </Button>
      </div>
    );
  }
  return <RunList {...props} />;
}

function EmptyStore({ trans }: { trans: TranslationBundle }): JSX.Element {
  return (
    <div className="jp-mlops-Empty" data-testid="mlops-empty-store">
      <p>{trans.__('No runs recorded yet. In a notebook, run:')}</p>
      <pre className="jp-mlops-Command">
        <code>{'%load_ext jupyter_mlops\n%track'}</code>
      </pre>
      <p>
        {trans.__(
          'Cells that log metrics, fit models or draw figures then appear here as runs.'
        )}
      </p>
    </div>
  );
}

function RunList({ model, trans, onOpen, onPackage }: IRunListProps): JSX.Element {
  const runs = model.runs;
  const { active, setActive, onKeyDown } = useListKeys(
    runs.length,
    index => onOpen(runs[index].run_id),
    index => model.toggleSelected(runs[index].run_id)
  );
  const activeRun = runs[active] as IRunSummary | undefined;
  const onNearEnd = useCallback(() => void model.loadMore(), [model]);

  return (
    <VirtualList
      className="jp-mlops-RunList"
      data-testid="mlops-run-list"
      role="listbox"
      aria-label={trans.__('Runs')}
      aria-multiselectable
      aria-activedescendant={activeRun ? rowId(activeRun.run_id) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => active < 0 && runs.length > 0 && setActive(0)}
      count={runs.length}
      rowHeight={ROW_HEIGHT}
      activeIndex={active}
      onNearEnd={onNearEnd}
      renderRow={(index, style) => (
        <RunRow
          run={runs[index]}
          style={style}
          active={index === active}
          selected={model.isSelected(runs[index].run_id)}
          sort={model.filters.sort}
          trans={trans}
          onClick={() => {
            setActive(index);
            onOpen(runs[index].run_id);
          }}
          onToggle={() => model.toggleSelected(runs[index].run_id)}
          onPackage={onPackage}
        />
      )}
    />
  );
}

function rowId(runId: string): string {
  return `jp-mlops-run-${runId}`;
}

interface IRunRowProps {
  run: IRunSummary;
  style: React.CSSProperties;
  active: boolean;
  selected: boolean;
  sort: string;
  trans: TranslationBundle;
  onClick: () => void;
  onToggle: () => void;
  onPackage: (run: IRunSummary) => void;
}

function RunRow({
  run,
  style,
  active,
  selected,
  sort,
  trans,
  onClick,
  onToggle,
  onPackage
}: IRunRowProps): JSX.Element {
  const classes = ['jp-mlops-RunRow', `jp-mlops-mod-${run.status}`];
  if (active) {
    classes.push('jp-mod-active');
  }
  if (selected) {
    classes.push('jp-mod-selected');
  }
  return (
    <div
      id={rowId(run.run_id)}
      className={classes.join(' ')}
      style={style}
      role="option"
      aria-selected={selected}
      data-run-id={run.run_id}
      data-status={run.status}
      onClick={onClick}
    >
      <input
        type="checkbox"
        className="jp-mlops-RunSelect"
        checked={selected}
        tabIndex={-1}
        title={trans.__('Select for comparison')}
        aria-label={trans.__('Select %1 for comparison', run.name)}
        onClick={event => event.stopPropagation()}
        onChange={onToggle}
      />
      <StatusIcon status={run.status} trans={trans} />
      <div className="jp-mlops-RunText">
        <div className="jp-mlops-RunLine">
          <span className="jp-mlops-RunName" title={run.name}>
            {run.name}
          </span>
          {run.has_warnings && <WarningBadge trans={trans} />}
          {modelType(run) !== null && (
            <PackageButton run={run} trans={trans} onPackage={onPackage} compact />
          )}
          <span className="jp-mlops-RunWhen" title={formatTimestamp(run.started)}>
            {formatWhen(run.started, trans)}
          </span>
        </div>
        <div className="jp-mlops-RunLine jp-mlops-RunFacts">
          <span className="jp-mlops-RunStatus">{statusLabel(run.status, trans)}</span>
          <span className="jp-mlops-RunDuration">
            {formatDuration(run.duration_s)}
          </span>
          {keyMetrics(run, sort).map(([name, value]) => (
            <span key={name} className="jp-mlops-RunMetric" title={name}>
              {name} <b>{formatNumber(value)}</b>
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}

function FilterBar({
  model,
  trans
}: {
  model: RunsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { filters } = model;
  const descending = filters.sort.startsWith('-');
  const sortKey = filters.sort.replace(/^-/, '');
  const sortKeys = ['started', 'duration', 'name', ...model.metricNames.map(m => `metrics.${m}`)];
  if (!sortKeys.includes(sortKey)) {
    sortKeys.push(sortKey);
  }
  const experiments = model.experiments;
  if (filters.experiment && !experiments.includes(filters.experiment)) {
    experiments.push(filters.experiment);
  }
  return (
    <div className="jp-mlops-FilterBar">
      <label className="jp-mlops-Search">
        <searchIcon.react tag="span" className="jp-mlops-SearchIcon" />
        <DebouncedInput
          value={filters.query}
          placeholder={trans.__('Search runs')}
          testId="mlops-search"
          onChange={query => void model.setFilters({ query })}
        />
      </label>
      <div className="jp-mlops-FilterRow">
        <select
          className="jp-mod-styled"
          data-testid="mlops-filter-status"
          aria-label={trans.__('Status')}
          value={filters.status}
          onChange={event =>
            void model.setFilters({ status: event.target.value as RunStatus | '' })
          }
        >
          <option value="">{trans.__('Any status')}</option>
          {RUN_STATUSES.map(status => (
            <option key={status} value={status}>
              {statusLabel(status, trans)}
            </option>
          ))}
        </select>
        <select
          className="jp-mod-styled"
          data-testid="mlops-filter-experiment"
          aria-label={trans.__('Experiment')}
          value={filters.experiment}
          onChange={event => void model.setFilters({ experiment: event.target.value })}
        >
          <option value="">{trans.__('Any experiment')}</option>
          {experiments.map(name => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div className="jp-mlops-FilterRow">
        <DebouncedInput
          value={filters.tag}
          placeholder={trans.__('Tag or tag=value')}
          testId="mlops-filter-tag"
          onChange={tag => void model.setFilters({ tag })}
        />
        <select
          className="jp-mod-styled"
          data-testid="mlops-sort"
          aria-label={trans.__('Sort by')}
          value={sortKey}
          onChange={event =>
            void model.setFilters({
              sort: `${descending ? '-' : ''}${event.target.value}`
            })
          }
        >
          {sortKeys.map(key => (
            <option key={key} value={key}>
              {sortLabel(key, trans)}
            </option>
          ))}
        </select>
        <Button
          className="jp-mlops-SortDirection jp-mod-minimal"
          data-testid="mlops-sort-direction"
          title={descending ? trans.__('Descending') : trans.__('Ascending')}
          aria-label={descending ? trans.__('Descending') : trans.__('Ascending')}
          onClick={() =>
            void model.setFilters({ sort: descending ? sortKey : `-${sortKey}` })
          }
        >
          {descending ? (
            <caretDownIcon.react tag="span" />
          ) : (
            <caretUpIcon.react tag="span" />
          )}
        </Button>
      </div>
    </div>
  );
}

function sortLabel(key: string, trans: TranslationBundle): string {
  switch (key) {
    case 'started':
      return trans.__('Started');
    case 'duration':
      return trans.__('Duration');
    case 'name':
      return trans.__('Name');
    default:
      return key.startsWith('metrics.') ? key.slice('metrics.'.length) : key;
  }
}

/**
 * A text box that reports its value once typing pauses. While a report is
 * pending, the model's (older) value does not overwrite what was typed; the
 * report is delivered even if the box is gone by then.
 */
function DebouncedInput({
  value,
  placeholder,
  testId,
  onChange
}: {
  value: string;
  placeholder: string;
  testId: string;
  onChange: (value: string) => void;
}): JSX.Element {
  const [text, setText] = useState(value);
  const timer = useRef<number | null>(null);
  useEffect(() => {
    if (timer.current === null) {
      setText(value);
    }
  }, [value]);
  const type = (next: string): void => {
    setText(next);
    if (timer.current !== null) {
      window.clearTimeout(timer.current);
    }
    timer.current = window.setTimeout(() => {
      timer.current = null;
      onChange(next);
    }, DEBOUNCE_MS);
  };
  return (
    <input
      type="search"
      className="jp-mod-styled jp-mlops-TextFilter"
      data-testid={testId}
      placeholder={placeholder}
      aria-label={placeholder}
      value={text}
      onChange={event => type(event.target.value)}
    />
  );
}

function ScopeNote({
  model,
  trans
}: {
  model: RunsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { scope } = model.filters;
  const notebook = model.activeNotebook;
  let text: string;
  if (scope === 'all') {
    text = trans.__('All notebooks and experiments');
  } else if (notebook === null) {
    text = trans.__('No active notebook: all runs');
  } else if (model.notebookShown === null && model.status === 'ready') {
    text = trans.__('%1 has no runs yet: all runs', PathExt.basename(notebook));
  } else {
    text = trans.__('Runs of %1', PathExt.basename(notebook));
  }
  return (
    <div className="jp-mlops-ScopeNote">
      <span data-testid="mlops-scope-note" title={notebook ?? text}>
        {text}
      </span>
      <Button
        className="jp-mlops-Scope"
        minimal
        small
        data-testid="mlops-scope"
        aria-pressed={scope === 'all'}
        title={trans.__('Show the active notebook’s runs or every run')}
        onClick={() =>
          void model.setFilters({ scope: scope === 'all' ? 'notebook' : 'all' })
        }
      >
        {scope === 'all' ? trans.__('This notebook') : trans.__('Show all')}
      </Button>
    </div>
  );
}

function SelectionBar({ model, trans, onCompare }: IRunListProps): JSX.Element | null {
  const selected = model.selected;
  if (selected.length === 0) {
    return null;
  }
  return (
    <div className="jp-mlops-SelectionBar" data-testid="mlops-selection">
      <span>{trans._n('%1 run selected', '%1 runs selected', selected.length)}</span>
      <Button
        className="jp-mod-styled jp-mod-accept"
        data-testid="mlops-compare"
        disabled={selected.length < 2}
        title={
          selected.length < 2
            ? trans.__('Select at least two runs to compare')
            : trans.__('Compare the selected runs side by side')
        }
        onClick={() => onCompare(selected)}
      >
        {trans.__('Compare')}
      </Button>
      <Button className="jp-mod-styled" onClick={() => model.clearSelection()}>
        {trans.__('Clear')}
      </Button>
    </div>
  );
}
