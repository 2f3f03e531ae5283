/**
 * The run history the sidebar shows: filters, paging, change polling and the
 * selection used for comparison. No React here, so views and tests share it.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  asRequestError,
  IRunQuery,
  listRuns,
  MlopsRequestError
} from './request';
import {
  asFilters,
  DEFAULT_FILTERS,
  IRunFilters,
  isUnfiltered,
  matches,
  runComparator,
  toQuery
} from './runfilter';
import { NextPage } from './paging';
import type { IRunPage, IRunSummary } from './schema';

/** Rows per request: a screenful many times over, small enough to paint at once. */
export const PAGE_SIZE = 200;
/** Changes are polled this often while the sidebar is visible. */
export const POLL_INTERVAL_MS = 1000;
/** Slowest poll after repeated failures: also how long recovery can take. */
const POLL_MAX_MS = 10_000;

export type RunsStatus = 'idle' | 'loading' | 'ready' | 'error';

export class RunsModel {
  /**
   * @param fetchPage how to query `GET /runs`; replaceable in tests
   */
  constructor(
    private readonly fetchPage: (query: IRunQuery) => Promise<IRunPage> = listRuns
  ) {
    this._poll = new Poll({
      auto: false,
      factory: () => this._pollOrNoteOffline(),
      frequency: { interval: POLL_INTERVAL_MS, backoff: true, max: POLL_MAX_MS },
      // Only while the panel is on screen and the browser tab is visible.
      standby: () => !this._visible || 'when-hidden',
      name: 'jupyter-mlops:runs'
    });
  }

  /** Emitted on every change of the list, the state or the selection. */
  get changed(): ISignal<RunsModel, void> {
    return this._changed;
  }

  get runs(): readonly IRunSummary[] {
    return this._runs;
  }

  get status(): RunsStatus {
    return this._status;
  }

  get error(): MlopsRequestError | null {
    return this._error;
  }

  /**
   * The server stopped answering (network failure while polling): the list
   * shows an offline banner rather than rows that may be stale, and reloads
   * by itself once the server answers again.
   */
  get offline(): boolean {
    return this._offline;
  }

  /** More runs match than are loaded: scroll further to load them. */
  get hasMore(): boolean {
    return this._nextPage.cursor !== null;
  }

  get filters(): IRunFilters {
    return this._filters;
  }

  get activeNotebook(): string | null {
    return this._activeNotebook;
  }

  /**
   * The notebook the list is limited to, or null when it shows all runs: the
   * `all` scope, no active notebook, or an active notebook without runs yet.
   */
  get notebookShown(): string | null {
    return this._notebookShown;
  }

  /** Experiments and metric names seen so far, for the filter and sort menus. */
  get experiments(): string[] {
    return [...this._experiments].sort();
  }

  get metricNames(): string[] {
    return [...this._metricNames].sort();
  }

  /** Selected run ids, in the order they were selected. */
  get selected(): string[] {
    return [...this._selected];
  }

  isSelected(runId: string): boolean {
    return this._selected.has(runId);
  }

  toggleSelected(runId: string): void {
    if (!this._selected.delete(runId)) {
      this._selected.add(runId);
    }
    this._changed.emit();
  }

  clearSelection(): void {
    this._selected.clear();
    this._changed.emit();
  }

  /** The filters or the sort changed (the plugin keeps them across reloads). */
  get filtersChanged(): ISignal<RunsModel, IRunFilters> {
    return this._filtersChanged;
  }

  setFilters(filters: Partial<IRunFilters>): Promise<void> {
    this._filters = { ...this._filters, ...filters };
    this._filtersChanged.emit(this._filters);
    return this.reload();
  }

  /**
   * Filters kept from before a page reload, applied without being reported
   * back; anything but the known string fields is ignored.
   */
  restoreFilters(saved: unknown): Promise<void> {
    this._filters = asFilters(saved);
    return this._status === 'idle' ? Promise.resolve() : this.reload();
  }

  /** Follow the notebook in focus (its path, or null). */
  setActiveNotebook(path: string | null): Promise<void> {
    if (path === this._activeNotebook) {
      return Promise.resolve();
    }
    this._activeNotebook = path;
    return this._filters.scope === 'notebook'
      ? this.reload()
      : Promise.resolve();
  }

  /** Start or pause polling; the first show also loads the list. */
  setVisible(visible: boolean): void {
    this._visible = visible;
    if (visible && this._status === 'idle') {
      void this.reload();
    }
    if (visible && !this._pollStarted) {
      this._pollStarted = true;
      void this._poll.start();
    }
  }

  /** Load the first page again for the current filters. */
  async reload(): Promise<void> {
    const generation = ++this._generation;
    this._status = 'loading';
    this._error = null;
    this._changed.emit();
    try {
      let notebook =
        this._filters.scope === 'notebook' ? this._activeNotebook : null;
      let page = await this.fetchPage(this._query(notebook));
      // A notebook without runs yet shows everything rather than nothing.
      if (notebook !== null && page.runs.length === 0 && isUnfiltered(this._filters)) {
        notebook = null;
        page = await this.fetchPage(this._query(null));
      }
      if (generation !== this._generation) {
        return; // A newer reload superseded this one.
      }
      this._notebookShown = notebook;
      this._runs = [];
      this._ids.clear();
      this._append(page.runs);
      this._nextPage.cursor = page.next_cursor;
      this._changeCursor = page.change_cursor;
      this._status = 'ready';
    } catch (error) {
      if (generation !== this._generation) {
        return;
      }
      this._error = asRequestError(error);
      this._status = 'error';
    }
    this._changed.emit();
  }

  /** Fetch the next page, if any; concurrent calls share one request. */
  loadMore(): Promise<void> {
    if (this._status !== 'ready') {
      return Promise.resolve();
    }
    return this._nextPage.load(
      cursor => this.fetchPage({ ...this._query(this._notebookShown), cursor }),
      page => {
        this._append(page.runs);
        this._changed.emit();
      },
      error => this._fail(error)
    );
  }

  /** A failed request: the list shows the error instead of its rows. */
  private _fail(error: MlopsRequestError): void {
    this._error = error;
    this._status = 'error';
    this._changed.emit();
  }

  /**
   * Merge runs created or changed since the last answer. Filters are applied
   * here rather than by the server, so that a run that stops matching (e.g.
   * no longer `running`) leaves the list too.
   */
  async pollChanges(): Promise<void> {
    if (this._status !== 'ready' || this._changeCursor === null) {
      return;
    }
    const generation = this._generation;
    const page = await this.fetchPage({
      since: this._changeCursor,
      limit: PAGE_SIZE
    });
    if (generation !== this._generation) {
      return;
    }
    if (page.next_cursor !== null || page.runs.length >= PAGE_SIZE) {
      // Too many changes to merge one by one: start afresh.
      return this.reload();
    }
    this._changeCursor = page.change_cursor;
    if (this._showingFallback() && page.runs.some(r => r.notebook === this._activeNotebook)) {
      // The active notebook has its first run: narrow the list to it.
      return this.reload();
    }
    if (page.runs.length > 0) {
      this.merge(page.runs);
    }
  }

  /** Put changed runs in place (or take them out), keeping the sort order. */
  merge(changes: readonly IRunSummary[]): void {
    const compare = runComparator(this._filters.sort);
    for (const run of changes) {
      if (this._ids.has(run.run_id)) {
        this._runs = this._runs.filter(r => r.run_id !== run.run_id);
        this._ids.delete(run.run_id);
      }
      if (run.deleted) {
        this._selected.delete(run.run_id);
      }
      if (!matches(run, this._filters, this._notebookShown)) {
        continue;
      }
      const index = this._runs.findIndex(r => compare(run, r) < 0);
      // Past the last loaded row with more pages to come, the run belongs to
      // a page not loaded yet: it shows up when that page is fetched.
      if (index === -1 && this.hasMore) {
        continue;
      }
      const at = index === -1 ? this._runs.length : index;
      this._runs = [...this._runs.slice(0, at), run, ...this._runs.slice(at)];
      this._ids.add(run.run_id);
      this._remember(run);
    }
    this._changed.emit();
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _pollOrNoteOffline(): Promise<void> {
    try {
      if (this._offline) {
        await this.fetchPage({ limit: 1 });
        this._offline = false;
        return await this.reload();
      }
      await this.pollChanges();
    } catch (error) {
      if (asRequestError(error).kind === 'network' && !this._offline) {
        this._offline = true;
        this._changed.emit();
      }
      throw error; // The poll backs off until the server is back.
    }
  }

  /** Showing all runs only because the active notebook had none. */
  private _showingFallback(): boolean {
    return (
      this._filters.scope === 'notebook' &&
      this._activeNotebook !== null &&
      this._notebookShown === null
    );
  }

  private _query(notebook: string | null): IRunQuery {
    return { ...toQuery(this._filters, notebook), limit: PAGE_SIZE };
  }

  private _append(runs: readonly IRunSummary[]): void {
    const fresh = runs.filter(run => !this._ids.has(run.run_id));
    for (const run of fresh) {
      this._ids.add(run.run_id);
      this._remember(run);
    }
    this._runs = [...this._runs, ...fresh];
  }

  private _remember(run: IRunSummary): void {
    this._experiments.add(run.experiment);
    for (const name of Object.keys(run.metrics)) {
      this._metricNames.add(name);
    }
  }

  private _offline = false;
  private _filters: IRunFilters = DEFAULT_FILTERS;
  private _activeNotebook: string | null = null;
  private _notebookShown: string | null = null;
  private _runs: IRunSummary[] = [];
  private _ids = new Set<string>();
  private _selected = new Set<string>();
  private _experiments = new Set<string>();
  private _metricNames = new Set<string>();
  private _status: RunsStatus = 'idle';
  private _error: MlopsRequestError | null = null;
  private _changeCursor: string | null = null;
  private _nextPage = new NextPage(() => this._generation);
  private _generation = 0;
  private _visible = false;
  private _pollStarted = false;
  private _poll: Poll;
  private _changed = new Signal<RunsModel, void>(this);
  private _filtersChanged = new Signal<RunsModel, IRunFilters>(this);
}
