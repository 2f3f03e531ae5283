/**
 * Connection state of the frontend, kept apart from the React views so
 * that several views (and tests) can share and drive it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  asRequestError,
  fetchHealth,
  IHealth,
  listModels,
  MlopsRequestError
} from './request';
import type { IRegisteredModel } from './schema';
import { ConnectionStatus, IMlopsModel } from './tokens';

export class MlopsModel implements IMlopsModel {
  /**
   * @param loadHealth how to query the server; replaceable in tests
   */
  constructor(
    private readonly loadHealth: () => Promise<IHealth> = fetchHealth,
    private readonly loadModels: () => Promise<IRegisteredModel[] | null> = listModels
  ) {}

  get changed(): ISignal<IMlopsModel, void> {
    return this._changed;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  get health(): IHealth | null {
    return this._health;
  }

  get error(): MlopsRequestError | null {
    return this._error;
  }

  get models(): IRegisteredModel[] | null {
    return this._models;
  }

  refresh(): Promise<void> {
    // A double-clicked Retry must not race two answers into the state.
    if (!this._pending) {
      this._pending = this._load().finally(() => {
        this._pending = null;
      });
    }
    return this._pending;
  }

  private async _load(): Promise<void> {
    this._status = 'loading';
    this._error = null;
    this._changed.emit();
    try {
      this._health = await this.loadHealth();
      this._status = 'ready';
      this._models = await this.loadModels().catch(() => null);
    } catch (error) {
      this._error = asRequestError(error);
      this._status = 'error';
    }
    this._changed.emit();
  }

  private _status: ConnectionStatus = 'loading';
  private _health: IHealth | null = null;
  private _error: MlopsRequestError | null = null;
  private _models: IRegisteredModel[] | null = null;
  private _pending: Promise<void> | null = null;
  private _changed = new Signal<IMlopsModel, void>(this);
}
