/**
 * State of the Experiments view: the view (query, columns, sort, grouping,
 * chart), the matching runs page by page with their total (or, grouped, the
 * server's groups: groups.ts), the store's catalog, the selection, and the
 * user's named views. No React here.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { asRequestError, IRunQuery, listRuns, MlopsRequestError } from '../../request';
import type { IRunPage, IRunSummary } from '../../schema';
import { NextPage } from '../../paging';
import { fetchCatalog, fetchGroups } from '../api';
import { RunGroups } from './groups';
import { measureSince } from '../timing';
import { EMPTY_CATALOG, ICatalog, IQueryError, parseQuery } from './query';
import { asView, DEFAULT_VIEW, IChartState, IViewState } from './view';

/** Rows per request: the API's most, so scrolling rarely waits. */
export const PAGE_SIZE = 500;
/** The first page is smaller, so the first rows paint sooner. */
export const FIRST_PAGE_SIZE = 100;

export type ExperimentsStatus = 'idle' | 'loading' | 'ready' | 'error';

/** What the plugin keeps in the state database. */
export interface IExperimentsState {
  current: IViewState;
  saved: Record<string, IViewState>;
}

export class ExperimentsModel {
  constructor(
    private readonly fetchPage: (query: IRunQuery) => Promise<IRunPage> = listRuns,
    private readonly loadCatalog: () => Promise<ICatalog> = fetchCatalog,
    private readonly loadGroups: typeof fetchGroups = fetchGroups
  ) {}

  /** Any change of rows, status, catalog or selection. */
  get changed(): ISignal<ExperimentsModel, void> {
    return this._changed;
  }

  /** The view or the named views changed: time to save them. */
  get stateChanged(): ISignal<ExperimentsModel, IExperimentsState> {
    return this._stateChanged;
  }

  get view(): IViewState {
    return this._view;
  }

  get state(): IExperimentsState {
    return { current: this._view, saved: { ...this._saved } };
  }

  get savedViews(): string[] {
    return Object.keys(this._saved).sort();
  }

  get runs(): readonly IRunSummary[] {
    return this._runs;
  }

  /** Runs matching the query over all pages; null until the first page arrives. */
  get total(): number | null {
    return this._total;
  }

  /** The groups of the matching runs when the view is grouped, else null. */
  get groups(): RunGroups | null {
    return this._groups;
  }

  get hasMore(): boolean {
    return this._nextPage.cursor !== null;
  }

  get status(): ExperimentsStatus {
    return this._status;
  }

  /** A request failure (other than a refused query). */
  get error(): MlopsRequestError | null {
    return this._error;
  }

  /** Why the query cannot run: parsed locally, or refused by the server. */
  get queryError(): IQueryError | null {
    return this._queryError;
  }

  get catalog(): ICatalog {
    return this._catalog;
  }

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

  /** Load the saved state (after a reload) without saving it back. */
  restore(state: Partial<IExperimentsState> | null | undefined): Promise<void> {
    const saved: Record<string, IViewState> = {};
    for (const [name, view] of Object.entries(state?.saved ?? {})) {
      saved[name] = asView(view);
    }
    this._saved = saved;
    this._view = asView(state?.current ?? DEFAULT_VIEW);
    return this.reload();
  }

  /** Apply a (partial) view; reloads the rows when what they depend on changed. */
  setView(change: Partial<IViewState>): Promise<void> {
    const before = this._view;
    this._view = asView({ ...before, ...change });
    this._emitState();
    if (this._view.query !== before.query || this._view.sort !== before.sort) {
      return this.reload();
    }
    if (this._view.group !== before.group) {
      return this._loadGroups();
    }
    this._changed.emit();
    return Promise.resolve();
  }

  setChart(change: Partial<IChartState>): void {
    void this.setView({ chart: { ...this._view.chart, ...change } });
  }

  saveViewAs(name: string): void {
    this._saved = { ...this._saved, [name]: this._view };
    this._emitState();
    this._changed.emit();
  }

  openSavedView(name: string): Promise<void> {
    const view = this._saved[name];
    return view ? this.setView(view) : Promise.resolve();
  }

  deleteSavedView(name: string): void {
    const { [name]: _gone, ...rest } = this._saved;
    this._saved = rest;
    this._emitState();
    this._changed.emit();
  }

  /** Fetch the catalog again (keys appear as runs are recorded). */
  async refreshCatalog(): Promise<void> {
    try {
      this._catalog = await this.loadCatalog();
      this._changed.emit();
    } catch {
      // Completion is a help, not a requirement: keep the last catalog.
    }
  }

  /** Load the first page for the current query and sort. */
  async reload(): Promise<void> {
    const generation = ++this._generation;
    const parsed = parseQuery(this._view.query);
    if (!parsed.ok) {
      this._queryError = parsed.error;
      this._changed.emit();
      return;
    }
    this._queryError = null;
    this._status = 'loading';
    this._error = null;
    this._changed.emit();
    this._query = { ...parsed.query, sort: this._view.sort };
    const grouped = this._loadGroups();
    try {
      const asked = performance.now();
      const page = await this.fetchPage({ ...this._query, limit: FIRST_PAGE_SIZE });
      measureSince('mlops:runs-request', asked);
      if (generation !== this._generation) {
        return;
      }
      this._runs = page.runs;
      this._total = page.total ?? page.runs.length;
      this._nextPage.cursor = page.next_cursor;
      this._status = 'ready';
    } catch (error) {
      if (generation !== this._generation) {
        return;
      }
      const failure = asRequestError(error);
      if (failure.status === 400) {
        // The server refused the query: say why next to it, keep the old rows.
        this._queryError = {
          message: failure.detail ?? failure.message,
          start: 0,
          end: this._view.query.length
        };
        this._status = 'ready';
      } else {
        this._error = failure;
        this._status = 'error';
      }
    }
    this._changed.emit();
    await grouped;
  }

  /** The groups of the current query by the view's grouping (none without one). */
  private async _loadGroups(): Promise<void> {
    this._groups?.dispose();
    this._groups = null;
    if (!this._view.group || this._queryError) {
      this._changed.emit();
      return;
    }
    const groups = new RunGroups(
      this._query,
      this._view.group,
      PAGE_SIZE,
      this.loadGroups,
      this.fetchPage,
      () => this._changed.emit(),
      error => this._fail(error)
    );
    this._groups = groups;
    this._changed.emit();
    try {
      await groups.load();
    } catch (error) {
      const failure = asRequestError(error);
      // A refused query is said next to the query bar by the page's own request.
      if (this._groups === groups && failure.status !== 400) {
        this._fail(failure);
      }
    }
  }

  /** The next page, if any; concurrent calls share one request. */
  loadMore(): Promise<void> {
    if (this._status !== 'ready') {
      return Promise.resolve();
    }
    return this._nextPage.load(
      cursor => this.fetchPage({ ...this._query, limit: PAGE_SIZE, cursor }),
      page => {
        const known = new Set(this._runs.map(run => run.run_id));
        this._runs = [...this._runs, ...page.runs.filter(run => !known.has(run.run_id))];
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

  dispose(): void {
    Signal.clearData(this);
  }

  private _emitState(): void {
    this._stateChanged.emit(this.state);
  }

  private _view: IViewState = DEFAULT_VIEW;
  private _saved: Record<string, IViewState> = {};
  private _query: IRunQuery = {};
  private _runs: readonly IRunSummary[] = [];
  private _groups: RunGroups | null = null;
  private _total: number | null = null;
  private _status: ExperimentsStatus = 'idle';
  private _error: MlopsRequestError | null = null;
  private _queryError: IQueryError | null = null;
  private _catalog: ICatalog = EMPTY_CATALOG;
  private _selected = new Set<string>();
  private _generation = 0;
  private _nextPage = new NextPage(() => this._generation);
  private _changed = new Signal<ExperimentsModel, void>(this);
  private _stateChanged = new Signal<ExperimentsModel, IExperimentsState>(this);
}
