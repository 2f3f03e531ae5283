/**
 * The runs table's columns and groups as pure functions: what a column is
 * called, how wide it is, what a run shows in it, and how loaded rows fall
 * into groups.
 */
import { formatDuration, formatNumber } from '../../format';
import type { IRunSummary } from '../../schema';

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

/** A row of the table: a group's header or a run. */
export type TableRow =
  | { kind: 'group'; value: string; count: number }
  | { kind: 'run'; run: IRunSummary; index: number };

/** The value a run is grouped by (`—` when it has none). */
export function groupValue(run: IRunSummary, group: string): string {
  const value = rawValue(run, group);
  return value === undefined || value === null || value === '' ? '—' : String(value);
}

/**
 * Rows in their sort order, gathered under a header per group value in the
 * order the groups first appear; without a grouping, just the runs.
 */
export function tableRows(runs: readonly IRunSummary[], group: string): TableRow[] {
  if (!group) {
    return runs.map((run, index) => ({ kind: 'run', run, index }));
  }
  const groups = new Map<string, TableRow[]>();
  runs.forEach((run, index) => {
    const value = groupValue(run, group);
    let members = groups.get(value);
    if (!members) {
      members = [];
      groups.set(value, members);
    }
    members.push({ kind: 'run', run, index });
  });
  const rows: TableRow[] = [];
  for (const [value, members] of groups) {
    rows.push({ kind: 'group', value, count: members.length }, ...members);
  }
  return rows;
}
