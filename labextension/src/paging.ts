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

  /** Where the next page starts; null on the last page. Set from each first page. */
  cursor: string | null = null;

  /**
   * Fetch the page at `cursor` with `fetch`, then, if the list is still the
   * one that asked, move the cursor on and hand over the page or the failure.
   */
  load(
    fetch: (cursor: string) => Promise<IRunPage>,
    onPage: (page: IRunPage) => void,
    onError: (error: MlopsRequestError) => void
  ): Promise<void> {
    if (this.cursor === null) {
      return Promise.resolve();
    }
    if (!this._pending) {
      const asked = this.generation();
      const current = (): boolean => asked === this.generation();
      this._pending = fetch(this.cursor)
        .then(page => {
          if (current()) {
            this.cursor = page.next_cursor;
            onPage(page);
          }
        })
        .catch(error => current() && onError(asRequestError(error)))
        .then(() => undefined)
        .finally(() => {
          this._pending = null;
        });
    }
    return this._pending;
  }

  private _pending: Promise<void> | null = null;
}
