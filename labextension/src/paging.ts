/**
 * Loading the next page of a run list: one request however many times the
 * list asks while it is under way, and an answer dropped when the list has
 * been reloaded meanwhile (its generation moved on). Shared by the sidebar's
 * run list and the Experiments table.
 */
import { asRequestError, MlopsRequestError } from './request';
import type { IRunPage } from './schema';

export class NextPage {
  /**
   * @param generation the list's current reload count
   */
  constructor(private readonly generation: () => number) {}

  /** Fetch with `fetch`, then hand the page (or the failure) over if still current. */
  load(
    fetch: () => Promise<IRunPage>,
    onPage: (page: IRunPage) => void,
    onError: (error: MlopsRequestError) => void
  ): Promise<void> {
    if (!this._pending) {
      const asked = this.generation();
      this._pending = fetch()
        .then(page => asked === this.generation() && onPage(page))
        .catch(error => asked === this.generation() && onError(asRequestError(error)))
        .then(() => undefined)
        .finally(() => {
          this._pending = null;
        });
    }
    return this._pending;
  }

  private _pending: Promise<void> | null = null;
}
