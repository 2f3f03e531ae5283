/**
 * Tokens other plugins (status bar item, dialogs, notebook toolbar) use to
 * share the sidebar's model instead of querying the server again.
 */
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { IHealth, MlopsRequestError } from './request';
import type { IRegisteredModel } from './schema';

/** Id of the sidebar widget; also its tab's `data-id` in the left bar. */
export const SIDEBAR_ID = 'jupyter-mlops-sidebar';

/** Where the connection to the server extension stands. */
export type ConnectionStatus = 'loading' | 'ready' | 'error';

/** State shared by all jupyter_mlops views. */
export interface IMlopsModel {
  /** Emitted whenever `status`, `health`, `error` or `models` changes. */
  readonly changed: ISignal<IMlopsModel, void>;
  readonly status: ConnectionStatus;
  /** Last successful health answer, kept across later failed refreshes. */
  readonly health: IHealth | null;
  /** Why the last refresh failed; null unless `status` is `error`. */
  readonly error: MlopsRequestError | null;
  /** Registered models; null while the server has no registry API. */
  readonly models: IRegisteredModel[] | null;
  /** Ask the server again; concurrent calls share one request. */
  refresh(): Promise<void>;
}

export const IMlopsModel = new Token<IMlopsModel>(
  'jupyter-mlops:IMlopsModel',
  'The jupyter_mlops connection state shared by its views.'
);
