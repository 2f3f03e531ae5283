/**
 * The runs table: a grid with a header that sorts (↑/↓, aria-sort), rows
 * windowed so 100,000 runs scroll like ten, optional group headers (the
 * server's groups with their true counts, expanded page by page), and
 * keyboard navigation (arrows, Home/End, PageUp/PageDown, Enter opens,
 * Space selects).
 */
import { TranslationBundle } from '@jupyterlab/translation';
import React, { useCallback, useMemo } from 'react';

import { statusLabel, statusLook } from '../../format';
import { useListKeys, VirtualList } from '../../virtuallist';
import type { IRunSummary } from '../../schema';
import {
  BASE_COLUMNS,
  cellText,
  columnKind,
  columnLabel,
  columnWidth,
  TableRow,
  tableRows
} from '../models/columns';
import { type ExperimentsModel, PAGE_SIZE } from '../models/experiments';
import { runColour } from '../charts/plots';

export const ROW_HEIGHT = 28;
const SELECT_WIDTH = 32;
/**
 * Ask for the next page a page before the loaded rows end: it then arrives
 * before even a fast scroll (a screen a frame) reaches the end and stops,
 * unless the request takes longer than about 400 ms.
 */
const NEAR_END_ROWS = PAGE_SIZE;

export function RunsTable({
  model,
  trans,
  onOpen
}: {
  model: ExperimentsModel;
  trans: TranslationBundle;
  onOpen: (runId: string) => void;
}): JSX.Element {
  const { view } = model;
  const columns = useMemo(() => [...BASE_COLUMNS, ...view.columns], [view.columns]);
  const groups = model.groups;
  const rows = tableRows(model.runs, groups?.groups ?? null, view.group !== '');
  const runAt = (index: number): string | null => {
    const row = rows[index];
    return row?.kind === 'run' ? row.run.run_id : null;
  };
  const { active, setActive, onKeyDown } = useListKeys(
    rows.length,
    index => {
      const runId = runAt(index);
      runId && onOpen(runId);
    },
    index => {
      const runId = runAt(index);
      runId && model.toggleSelected(runId);
    }
  );
  const width = SELECT_WIDTH + columns.reduce((sum, key) => sum + columnWidth(key), 0);
  // Grouped, each group pages by its own "more" row instead.
  const onNearEnd = useCallback(
    () => void (model.view.group ? undefined : model.loadMore()),
    [model]
  );
  const activeRow = rows[active] as TableRow | undefined;

  return (
    <div
      className="jp-mlops-Table"
      role="grid"
      aria-label={trans.__('Runs')}
      aria-rowcount={(model.total ?? model.runs.length) + 1}
      aria-colcount={columns.length + 1}
      data-testid="mlops-runs-table"
    >
      <div className="jp-mlops-TableInner" style={{ width }}>
        <HeaderRow columns={columns} model={model} trans={trans} />
        <VirtualList
          className="jp-mlops-TableBody"
          data-testid="mlops-table-body"
          tabIndex={0}
          aria-label={trans.__('Run rows')}
          aria-activedescendant={
            activeRow?.kind === 'run' ? `jp-mlops-trow-${activeRow.run.run_id}` : undefined
          }
          onKeyDown={onKeyDown}
          onFocus={() => active < 0 && rows.length > 0 && setActive(0)}
          count={rows.length}
          rowHeight={ROW_HEIGHT}
          activeIndex={active}
          onNearEnd={onNearEnd}
          nearEndRows={NEAR_END_ROWS}
          renderRow={(index, style) => {
            const row = rows[index];
            if (row.kind === 'group') {
              const { group } = row;
              return (
                <div
                  role="row"
                  className="jp-mlops-GroupRow"
                  style={style}
                  data-testid="mlops-group-row"
                  data-group-value={group.value ?? ''}
                >
                  <span role="rowheader">
                    <button
                      className="jp-mlops-GroupToggle"
                      aria-expanded={group.expanded}
                      onClick={() => void groups?.toggle(group.value)}
                    >
                      <span aria-hidden>{group.expanded ? '▾' : '▸'}</span>{' '}
                      {columnLabel(view.group)}: <b>{group.value ?? '—'}</b>{' '}
                      <span className="jp-mlops-Muted" data-testid="mlops-group-count">
                        {trans._n('%1 run', '%1 runs', group.count)}
                      </span>
                    </button>
                  </span>
                </div>
              );
            }
            if (row.kind === 'more') {
              const { group } = row;
              return (
                <div role="row" className="jp-mlops-GroupRow jp-mlops-GroupMore" style={style}>
                  <span role="gridcell">
                    <button
                      className="jp-mlops-GroupToggle"
                      data-testid="mlops-group-more"
                      disabled={group.loading}
                      onClick={() => void groups?.loadMore(group.value)}
                    >
                      {group.loading
                        ? trans.__('Loading…')
                        : trans.__(
                            'Show more (%1 of %2 shown)',
                            group.runs.length,
                            group.count
                          )}
                    </button>
                  </span>
                </div>
              );
            }
            return (
              <RunRow
                run={row.run}
                index={index}
                rowIndex={row.index}
                style={style}
                columns={columns}
                active={index === active}
                selected={model.isSelected(row.run.run_id)}
                model={model}
                trans={trans}
                setActive={setActive}
                onOpen={onOpen}
              />
            );
          }}
        />
      </div>
    </div>
  );
}

interface IRunRowProps {
  run: IRunSummary;
  /** Its place among the table's rows. */
  index: number;
  /** Its place among the runs (the header is aria row 1). */
  rowIndex: number;
  style: React.CSSProperties;
  columns: readonly string[];
  active: boolean;
  selected: boolean;
  model: ExperimentsModel;
  trans: TranslationBundle;
  setActive: (index: number) => void;
  onOpen: (runId: string) => void;
}

/**
 * One run's row. Memoized: a row whose run, place and state are unchanged
 * (a small scroll, a page arriving, a click elsewhere) is not rendered again.
 */
const RunRow = React.memo(function RunRow({
  run,
  index,
  rowIndex,
  style,
  columns,
  active,
  selected,
  model,
  trans,
  setActive,
  onOpen
}: IRunRowProps): JSX.Element {
  const classes = ['jp-mlops-TableRow'];
  if (active) {
    classes.push('jp-mod-active');
  }
  if (selected) {
    classes.push('jp-mod-selected');
  }
  return (
    <div
      id={`jp-mlops-trow-${run.run_id}`}
      role="row"
      aria-rowindex={rowIndex + 2}
      aria-selected={selected}
      className={classes.join(' ')}
      style={style}
      data-run-id={run.run_id}
      onClick={() => setActive(index)}
      onDoubleClick={() => onOpen(run.run_id)}
    >
      <span role="gridcell" className="jp-mlops-Cell" style={{ width: SELECT_WIDTH }}>
        <input
          type="checkbox"
          tabIndex={-1}
          checked={selected}
          aria-label={trans.__('Select %1', run.name)}
          onChange={() => model.toggleSelected(run.run_id)}
          onClick={event => event.stopPropagation()}
        />
      </span>
      {columns.map(key => {
        const text = cellText(run, key);
        const kind = columnKind(key) || key;
        // The name's swatch and the status's dot are the cell's ::before.
        const look = key === 'status' ? ` jp-mlops-mod-${statusLook(run.status)}` : '';
        return (
          <span
            key={key}
            role="gridcell"
            className={`jp-mlops-Cell jp-mlops-Cell-${kind}${look}`}
            style={
              key === 'name'
                ? ({ width: columnWidth(key), '--jp-mlops-swatch': runColour(run.run_id) } as React.CSSProperties)
                : { width: columnWidth(key) }
            }
            title={text}
          >
            {key === 'name' ? (
              <button className="jp-mlops-RunLink" tabIndex={-1} onClick={() => onOpen(run.run_id)}>
                {run.name}
              </button>
            ) : key === 'status' ? (
              statusLabel(run.status, trans)
            ) : (
              text
            )}
          </span>
        );
      })}
    </div>
  );
});

function HeaderRow({
  columns,
  model,
  trans
}: {
  columns: readonly string[];
  model: ExperimentsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { sort } = model.view;
  const descending = sort.startsWith('-');
  const sortKey = sort.replace(/^-/, '');
  return (
    <div className="jp-mlops-TableHeader" role="row" aria-rowindex={1}>
      <span role="columnheader" className="jp-mlops-Cell" style={{ width: SELECT_WIDTH }}>
        <span className="jp-mlops-Muted" aria-label={trans.__('Selected')}>
          {model.selected.length || ''}
        </span>
      </span>
      {columns.map(key => {
        const sorted = key === sortKey;
        const label = columnLabel(key);
        const kind = columnKind(key);
        const next = sorted && !descending ? `-${key}` : sorted ? key : `-${key}`;
        return (
          <span
            key={key}
            role="columnheader"
            aria-sort={sorted ? (descending ? 'descending' : 'ascending') : 'none'}
            className="jp-mlops-Cell jp-mlops-HeaderCell"
            style={{ width: columnWidth(key) }}
            title={key}
          >
            <button
              className="jp-mlops-SortButton"
              data-testid={`mlops-sort-${key}`}
              aria-label={
                sorted
                  ? descending
                    ? trans.__('%1, sorted descending; sort ascending', label)
                    : trans.__('%1, sorted ascending; sort descending', label)
                  : trans.__('Sort by %1', label)
              }
              onClick={() => void model.setView({ sort: next })}
            >
              {kind && <span className="jp-mlops-ColumnKind">{kind}</span>}
              <span className="jp-mlops-HeaderLabel">{label}</span>
              {sorted && (
                <span className="jp-mlops-SortArrow" aria-hidden>
                  {descending ? '↓' : '↑'}
                </span>
              )}
            </button>
          </span>
        );
      })}
    </div>
  );
}
