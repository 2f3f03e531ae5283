/**
 * The run list's filters and sort order as pure functions. The server applies
 * them to pages it returns; the client applies the same rules to runs that
 * arrive through change polling, so both places agree on what is shown.
 */
import type { IRunQuery } from './request';
import { IRunSummary, RUN_STATUSES, RunStatus } from './schema';

/** What the user chose in the sidebar's search and filter bar. */
export interface IRunFilters {
  /** `notebook`: runs of the active notebook; `all`: every notebook and experiment. */
  scope: 'notebook' | 'all';
  /** Free text matched against run names. */
  query: string;
  status: RunStatus | '';
  experiment: string;
  /** `key` (has the tag) or `key=value`. */
  tag: string;
  /** API sort key: a column or `metrics.NAME`/`params.NAME`, `-` for descending. */
  sort: string;
}

export const DEFAULT_FILTERS: IRunFilters = {
  scope: 'notebook',
  query: '',
  status: '',
  experiment: '',
  tag: '',
  sort: '-started'
};

/** Saved filters as filters: the defaults, overridden by each field of the right type. */
export function asFilters(saved: unknown): IRunFilters {
  const filters: IRunFilters = { ...DEFAULT_FILTERS };
  if (typeof saved !== 'object' || saved === null) {
    return filters;
  }
  const given = saved as Record<string, unknown>;
  for (const key of Object.keys(DEFAULT_FILTERS) as (keyof IRunFilters)[]) {
    if (typeof given[key] === 'string') {
      (filters as unknown as Record<string, string>)[key] = given[key] as string;
    }
  }
  if (filters.scope !== 'all') {
    filters.scope = 'notebook';
  }
  if (!RUN_STATUSES.includes(filters.status as RunStatus)) {
    filters.status = '';
  }
  if (!filters.sort) {
    filters.sort = DEFAULT_FILTERS.sort;
  }
  return filters;
}

/** True when only the scope differs from the defaults. */
export function isUnfiltered(filters: IRunFilters): boolean {
  return (
    !filters.query.trim() &&
    !filters.status &&
    !filters.experiment &&
    !filters.tag.trim()
  );
}

/** The `GET /runs` query for these filters; `notebook` is null for all runs. */
export function toQuery(
  filters: IRunFilters,
  notebook: string | null
): IRunQuery {
  const tag = filters.tag.trim();
  return {
    notebook: notebook ?? undefined,
    experiment: filters.experiment || undefined,
    status: filters.status || undefined,
    tag: tag ? [tag] : undefined,
    q: filters.query.trim() || undefined,
    sort: filters.sort
  };
}

/** Whether a run passes the filters (the client-side twin of the server's WHERE). */
export function matches(
  run: IRunSummary,
  filters: IRunFilters,
  notebook: string | null
): boolean {
  if (run.deleted) {
    return false;
  }
  if (notebook !== null && run.notebook !== notebook) {
    return false;
  }
  if (filters.experiment && run.experiment !== filters.experiment) {
    return false;
  }
  if (filters.status && run.status !== filters.status) {
    return false;
  }
  const tag = filters.tag.trim();
  if (tag) {
    const [key, ...rest] = tag.split('=');
    if (!(key in run.tags)) {
      return false;
    }
    if (rest.length > 0 && run.tags[key] !== rest.join('=')) {
      return false;
    }
  }
  const query = filters.query.trim().toLowerCase();
  return !query || run.name.toLowerCase().includes(query);
}

type SortValue = string | number | null;

function sortValue(run: IRunSummary, key: string): SortValue {
  if (key.startsWith('metrics.')) {
    return run.metrics[key.slice('metrics.'.length)] ?? null;
  }
  if (key.startsWith('params.')) {
    const value = run.params[key.slice('params.'.length)];
    if (value === undefined) {
      return null;
    }
    // Params are text; they order as numbers when they look like numbers.
    const number = Number(value);
    return value.trim() !== '' && Number.isFinite(number) ? number : value;
  }
  switch (key) {
    case 'started':
      return Date.parse(run.started);
    case 'ended':
      return run.ended ? Date.parse(run.ended) : null;
    case 'duration':
      return run.duration_s;
    case 'name':
    case 'status':
    case 'experiment':
    case 'notebook':
    case 'user':
    case 'run_id':
      return run[key] ?? null;
    default:
      return null;
  }
}

/**
 * A comparator for `sort` (as the API spells it). Runs without the value
 * come last in both directions; ties fall back to the newest run id first.
 */
export function runComparator(
  sort: string
): (a: IRunSummary, b: IRunSummary) => number {
  const descending = sort.startsWith('-');
  const key = sort.replace(/^-/, '');
  return (a, b) => {
    const left = sortValue(a, key);
    const right = sortValue(b, key);
    if (left === null || right === null) {
      if (left !== right) {
        return left === null ? 1 : -1;
      }
    } else if (left !== right) {
      const order =
        typeof left === 'number' && typeof right === 'number'
          ? left - right
          : String(left).localeCompare(String(right));
      if (order !== 0) {
        return descending ? -order : order;
      }
    }
    return a.run_id < b.run_id ? 1 : a.run_id > b.run_id ? -1 : 0;
  };
}

/** The metrics worth showing on a row: the sorted-by one first, then the rest by name. */
export function keyMetrics(
  run: IRunSummary,
  sort: string,
  count = 3
): [string, number | null][] {
  const sortKey = sort.replace(/^-/, '');
  const first = sortKey.startsWith('metrics.')
    ? sortKey.slice('metrics.'.length)
    : null;
  const names = Object.keys(run.metrics).sort((a, b) =>
    a === first ? -1 : b === first ? 1 : a.localeCompare(b)
  );
  return names.slice(0, count).map(name => [name, run.metrics[name]]);
}

/**
 * How runs name a notebook. Kernels record the absolute path Jupyter gives
 * them (`JPY_SESSION_NAME`), while JupyterLab knows paths relative to the
 * server root; `serverRoot` is empty when unknown, and the path is kept.
 */
export function notebookKey(serverRoot: string, path: string): string {
  return serverRoot ? `${serverRoot.replace(/\/+$/, '')}/${path}` : path;
}
