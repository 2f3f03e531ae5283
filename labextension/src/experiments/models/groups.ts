/**
 * The table's groups when the view is grouped: every group of the matching
 * runs with its count over all of them (the server's `runs/groups`, not the
 * rows a page happened to load), each expanded on demand by paging that
 * group's own runs in the view's sort. No React here.
 */
import { asRequestError, IRunQuery, MlopsRequestError } from '../../request';
import type { IRunPage, IRunSummary } from '../../schema';
import type { IRunGroups } from '../api';

export interface IGroup {
  /** null: the runs without a value. */
  value: string | null;
  /** Matching runs in the group, over all its pages. */
  count: number;
  expanded: boolean;
  runs: readonly IRunSummary[];
  /** Where the group's next page starts; null once it is loaded (or not yet asked). */
  cursor: string | null;
  loading: boolean;
}

/** The runs API's selection of one group. */
export function groupQuery(key: string, value: string | null): IRunQuery {
  return value === null
    ? { group: key, group_missing: 'true' }
    : { group: key, group_value: value };
}

export class RunGroups {
  /**
   * @param query the view's query and sort
   * @param key what the runs are grouped by (`experiment`, `params.C`, ...)
   */
  constructor(
    private readonly query: IRunQuery,
    readonly key: string,
    private readonly pageSize: number,
    private readonly fetchGroups: (query: IRunQuery, by: string) => Promise<IRunGroups>,
    private readonly fetchPage: (query: IRunQuery) => Promise<IRunPage>,
    private readonly onChange: () => void,
    private readonly onError: (error: MlopsRequestError) => void
  ) {}

  groups: IGroup[] = [];
  /** More groups exist than the server sent. */
  truncated = false;

  /** Fetch the groups; a failure is thrown to the caller. */
  async load(): Promise<void> {
    const answer = await this.fetchGroups(this.query, this.key);
    if (this._disposed) {
      return;
    }
    this.groups = answer.groups.map(group => ({
      ...group,
      expanded: false,
      runs: [],
      cursor: null,
      loading: false
    }));
    this.truncated = answer.truncated;
    this.onChange();
  }

  /** Expand or collapse a group; expanding it the first time loads its first page. */
  toggle(value: string | null): Promise<void> {
    const group = this._find(value);
    if (!group) {
      return Promise.resolve();
    }
    group.expanded = !group.expanded;
    this.onChange();
    return group.expanded && group.runs.length === 0 ? this.loadMore(value) : Promise.resolve();
  }

  /** The group's next page (its first if none is loaded); one request at a time. */
  async loadMore(value: string | null): Promise<void> {
    const group = this._find(value);
    const started = group !== undefined && group.runs.length > 0;
    if (!group || group.loading || (started && group.cursor === null)) {
      return;
    }
    group.loading = true;
    this.onChange();
    try {
      const page = await this.fetchPage({
        ...this.query,
        ...groupQuery(this.key, value),
        limit: this.pageSize,
        ...(started && group.cursor ? { cursor: group.cursor } : {})
      });
      if (this._disposed) {
        return;
      }
      const known = new Set(group.runs.map(run => run.run_id));
      group.runs = [...group.runs, ...page.runs.filter(run => !known.has(run.run_id))];
      group.cursor = page.next_cursor;
    } catch (error) {
      if (!this._disposed) {
        this.onError(asRequestError(error));
      }
    } finally {
      group.loading = false;
      if (!this._disposed) {
        this.onChange();
      }
    }
  }

  /** The view moved on (another query, sort or grouping): drop late answers. */
  dispose(): void {
    this._disposed = true;
  }

  private _find(value: string | null): IGroup | undefined {
    return this.groups.find(group => group.value === value);
  }

  private _disposed = false;
}
