/**
 * What the sidebar's Models section shows and does: registered names, the
 * versions of the expanded ones, and the actions on a version (verify,
 * download, alias moves) with their progress and errors. No React here, so
 * views and tests share it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { asRequestError, MlopsRequestError } from '../request';
import type { IRegisteredModel } from '../schema';
import type { IRegistryAPI } from './api';
import { hasLifecycle, LifecycleModel } from './lifecycle';
import type { IModelDetail } from './types';

/** A long-running action on one version. */
export type VersionAction = 'verifying' | 'downloading';

export interface IActionFailure {
  action: VersionAction;
  error: MlopsRequestError;
}

export type RegistryStatus = 'idle' | 'loading' | 'ready' | 'error';

/** A version the user was just sent to (after packaging it). */
export interface IVersionRef {
  name: string;
  version: number;
}

export class RegistryModel {
  constructor(private readonly api: IRegistryAPI) {
    // Drift, promotion and retraining, when the API has them (the real server does).
    this.lifecycle = hasLifecycle(api)
      ? new LifecycleModel(api, () => this.reload())
      : null;
    this.lifecycle?.changed.connect(() => this._changed.emit());
  }

  /** A version's drift report, promotion and retraining; null without that API. */
  readonly lifecycle: LifecycleModel | null;

  /** Emitted on every change of the list, a detail, an action or an error. */
  get changed(): ISignal<RegistryModel, void> {
    return this._changed;
  }

  get status(): RegistryStatus {
    return this._status;
  }

  /** Why the list could not be loaded; null unless `status` is `error`. */
  get error(): MlopsRequestError | null {
    return this._error;
  }

  /** Registered models, by name; null while the server has no registry API. */
  get models(): readonly IRegisteredModel[] | null {
    return this._models;
  }

  /** Every registered name, for suggestions. */
  get names(): string[] {
    return (this._models ?? []).map(model => model.name);
  }

  /** The version to point out, set by `reveal`. */
  get highlighted(): IVersionRef | null {
    return this._highlighted;
  }

  isExpanded(name: string): boolean {
    return this._expanded.has(name);
  }

  /** Versions, aliases and history of `name`, once loaded. */
  detail(name: string): IModelDetail | undefined {
    return this._details.get(name);
  }

  /** Why the last load of `name`'s versions failed. */
  modelError(name: string): MlopsRequestError | null {
    return this._modelErrors.get(name) ?? null;
  }

  /** Why the last alias change on `name` was refused. */
  aliasError(name: string): MlopsRequestError | null {
    return this._aliasErrors.get(name) ?? null;
  }

  /** What is running on a version right now, if anything. */
  action(name: string, version: number): VersionAction | null {
    return this._actions.get(key(name, version)) ?? null;
  }

  /** Which action on a version failed last, and why. */
  actionError(name: string, version: number): IActionFailure | null {
    return this._actionErrors.get(key(name, version)) ?? null;
  }

  /** Load the list again, and the details of every expanded name. */
  async reload(): Promise<void> {
    this._status = 'loading';
    this._changed.emit();
    try {
      this._models = await this.api.listModels();
      this._status = 'ready';
      this._error = null;
    } catch (error) {
      this._status = 'error';
      this._error = asRequestError(error);
    }
    this._changed.emit();
    await this._reloadExpanded();
  }

  /** Show or hide the versions of `name`; showing loads them. */
  async toggle(name: string): Promise<void> {
    if (this._expanded.delete(name)) {
      this._changed.emit();
      return;
    }
    this._expanded.add(name);
    this._changed.emit();
    await this._loadDetail(name);
  }

  /** Expand `name` and point out `version`: where a new registration is shown. */
  async reveal(name: string, version: number): Promise<void> {
    this._expanded.add(name);
    this._highlighted = { name, version };
    await this.reload();
  }

  /** Rebuild the version from its package and record whether it reproduced. */
  verify(name: string, version: number): Promise<void> {
    return this._act(name, version, 'verifying', async () => {
      await this.api.verify(name, version);
      await this._loadDetail(name);
    });
  }

  download(name: string, version: number): Promise<void> {
    return this._act(name, version, 'downloading', () => this.api.download(name, version));
  }

  /** Point `alias` at `version`, moving it off whichever version had it. */
  setAlias(name: string, alias: string, version: number): Promise<boolean> {
    return this._changeAliases(name, () => this.api.setAlias(name, alias, version));
  }

  deleteAlias(name: string, alias: string): Promise<boolean> {
    return this._changeAliases(name, () => this.api.deleteAlias(name, alias));
  }

  private async _changeAliases(name: string, change: () => Promise<void>): Promise<boolean> {
    this._aliasErrors.delete(name);
    try {
      await change();
    } catch (error) {
      this._aliasErrors.set(name, asRequestError(error));
      this._changed.emit();
      return false;
    }
    // The list shows aliases too.
    await this.reload();
    return true;
  }

  private async _act(
    name: string,
    version: number,
    action: VersionAction,
    work: () => Promise<void>
  ): Promise<void> {
    const id = key(name, version);
    if (this._actions.has(id)) {
      return;
    }
    this._actions.set(id, action);
    this._actionErrors.delete(id);
    this._changed.emit();
    try {
      await work();
    } catch (error) {
      this._actionErrors.set(id, { action, error: asRequestError(error) });
    } finally {
      this._actions.delete(id);
      this._changed.emit();
    }
  }

  private async _reloadExpanded(): Promise<void> {
    await Promise.all([...this._expanded].map(name => this._loadDetail(name)));
  }

  private async _loadDetail(name: string): Promise<void> {
    try {
      const detail = await this.api.getModel(name);
      this._details.set(name, detail);
      this._modelErrors.delete(name);
      void this.lifecycle?.loadDrift(
        name,
        detail.versions.map(version => version.version)
      );
    } catch (error) {
      this._modelErrors.set(name, asRequestError(error));
    }
    this._changed.emit();
  }

  private _status: RegistryStatus = 'idle';
  private _error: MlopsRequestError | null = null;
  private _models: IRegisteredModel[] | null = null;
  private _expanded = new Set<string>();
  private _highlighted: IVersionRef | null = null;
  private _details = new Map<string, IModelDetail>();
  private _modelErrors = new Map<string, MlopsRequestError>();
  private _aliasErrors = new Map<string, MlopsRequestError>();
  private _actions = new Map<string, VersionAction>();
  private _actionErrors = new Map<string, IActionFailure>();
  private _changed = new Signal<RegistryModel, void>(this);
}

function key(name: string, version: number): string {
  return `${name}/${version}`;
}
