/**
 * The runs table's columns and groups as pure functions: what a column is
 * called, how wide it is, what a run shows in it, and the rows a grouped or
 * plain table shows.
 */
import { formatDuration, formatNumber } from '../../format';
import type { IRunSummary } from '../../schema';
import type { IGroup } from './groups';

/** Columns every table has, in order; each is also an API sort key. */
export const BASE_COLUMNS = [
  'name',
  'status',
  'experiment',
  'notebook',
  'user',
  'started',
  'duration'
] as const;

const WIDTHS: Record<string, number> = {
  name: 200,
  status: 90,
  experiment: 130,
  notebook: 180,
  user: 90,
  started: 160,
  duration: 90
};
const EXTRA_WIDTH = 120;

export function columnWidth(key: string): number {
  return WIDTHS[key] ?? EXTRA_WIDTH;
}

/** `metrics.auc` reads `auc`; base columns read capitalised. */
export function columnLabel(key: string): string {
  const dot = key.indexOf('.');
  if (dot > 0) {
    return key.slice(dot + 1);
  }
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/** `metric`, `param`, `tag`, or '' for a base column. */
export function columnKind(key: string): string {
  const dot = key.indexOf('.');
  return dot > 0 ? key.slice(0, dot).replace(/s$/, '') : '';
}

/** The raw value a run has in a column (undefined when it has none). */
export function rawValue(run: IRunSummary, key: string): string | number | null | undefined {
  const dot = key.indexOf('.');
  if (dot > 0) {
    const kind = key.slice(0, dot);
    const name = key.slice(dot + 1);
    const source =
      kind === 'metrics' ? run.metrics : kind === 'params' ? run.params : run.tags;
    return source[name];
  }
  switch (key) {
    case 'duration':
      return run.duration_s;
    case 'notebook':
      return run.notebook;
    case 'user':
      return run.user;
    default:
      return (run as unknown as Record<string, string>)[key];
  }
}

/**
 * One formatter for every start time: `toLocaleString` builds a new one per
 * call, which costs more than the rest of a row while scrolling.
 */
const START_FORMAT = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'short',
  timeStyle: 'medium'
});

/** The text a run shows in a column. */
export function cellText(run: IRunSummary, key: string): string {
  const value = rawValue(run, key);
  if (key === 'started') {
    return run.started ? START_FORMAT.format(new Date(run.started)) : '—';
  }
  if (key === 'duration') {
    return formatDuration(run.duration_s);
  }
  if (key.startsWith('metrics.')) {
    return value === undefined ? '' : formatNumber(value as number | null);
  }
  return value === undefined || value === null ? '' : String(value);
}

/** A row of the table: a group's header, a run, or a group's "more" button. */
export type TableRow =
  | { kind: 'group'; group: IGroup }
  | { kind: 'run'; run: IRunSummary; index: number }
  | { kind: 'more'; group: IGroup };

/**
 * The rows in their sort order; grouped, each group's header (largest group
 * first) followed, when it is expanded, by the runs of it loaded so far and a
 * row to load more of them. Grouped rows wait for the groups (`groups` null).
 */
export function tableRows(
  runs: readonly IRunSummary[],
  groups: readonly IGroup[] | null,
  grouped: boolean
): TableRow[] {
  if (!grouped) {
    return runs.map((run, index) => ({ kind: 'run', run, index }));
  }
  const rows: TableRow[] = [];
  for (const group of groups ?? []) {
    rows.push({ kind: 'group', group });
    if (group.expanded) {
      group.runs.forEach((run, index) => rows.push({ kind: 'run', run, index }));
      if (group.loading || group.runs.length < group.count) {
        rows.push({ kind: 'more', group });
      }
    }
  }
  return rows;
}
