/**
 * The packaging dialog's state: what the run offers (its models, its lineage
 * warnings, a suggested name), what the user chose, and how the registration
 * went. No React here, so the dialog and tests share it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { asRequestError, MlopsRequestError } from '../request';
import type { IRegistryAPI } from './api';
import type { IModelVersion, IRegisterRequest, IRunModel } from './types';

export type PackagingStatus =
  /** Asking the server what the run holds. */
  | 'loading'
  /** The run could not be read: nothing to package. */
  | 'unavailable'
  /** The form is shown. */
  | 'ready'
  | 'packaging'
  | 'registered';

export interface IPackagingFields {
  name: string;
  /** The run's model variable; '' until chosen when the run has several. */
  model: string;
  alias: string;
  description: string;
}

/** The registry's rules (`store/models.py`), checked here so the dialog can say so at once. */
const PATTERNS = {
  name: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
  // A leading digit would read as a version in `NAME@ALIAS`.
  alias: /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
};

/** What is wrong with a field: left empty, or not a valid name or alias. */
export type FieldProblem = 'missing' | 'invalid';

/**
 * What is wrong with `text` as a model name (required) or an alias
 * (optional in the dialog), or null. The server has the last word: its 400
 * is shown too.
 */
export function referenceProblem(text: string, kind: 'name' | 'alias'): FieldProblem | null {
  if (text === '') {
    return kind === 'name' ? 'missing' : null;
  }
  return PATTERNS[kind].test(text) ? null : 'invalid';
}

export class PackagingForm {
  /**
   * @param runId the run to package
   * @param knownNames names already registered, suggested in the name field
   */
  constructor(
    readonly runId: string,
    private readonly api: IRegistryAPI,
    readonly knownNames: readonly string[]
  ) {}

  get changed(): ISignal<PackagingForm, void> {
    return this._changed;
  }

  get status(): PackagingStatus {
    return this._status;
  }

  get fields(): IPackagingFields {
    return this._fields;
  }

  /** The models the run holds; a picker is shown when there are several. */
  get runModels(): readonly IRunModel[] {
    return this._runModels;
  }

  /** Lineage warnings, shown before the user confirms. */
  get warnings(): readonly string[] {
    return this._warnings;
  }

  /** Why loading the run, or the last registration, failed. */
  get error(): MlopsRequestError | null {
    return this._error;
  }

  /** The registered version, once `status` is `registered`. */
  get version(): IModelVersion | null {
    return this._version;
  }

  /** Whether the name is one already registered: the package becomes its next version. */
  get addsVersion(): boolean {
    return this.knownNames.includes(this._fields.name.trim());
  }

  /** What stops registration, if anything, by field. */
  get problems(): Partial<Record<keyof IPackagingFields, FieldProblem>> {
    const problems: Partial<Record<keyof IPackagingFields, FieldProblem>> = {};
    const name = referenceProblem(this._fields.name.trim(), 'name');
    if (name) {
      problems.name = name;
    }
    const alias = referenceProblem(this._fields.alias.trim(), 'alias');
    if (alias) {
      problems.alias = alias;
    }
    // No model at all, or several and none chosen.
    if (this._runModels.length !== 1 && !this._fields.model) {
      problems.model = 'missing';
    }
    return problems;
  }

  get canSubmit(): boolean {
    return this._status === 'ready' && Object.keys(this.problems).length === 0;
  }

  async load(): Promise<void> {
    this._status = 'loading';
    this._changed.emit();
    try {
      const offer = await this.api.runModels(this.runId);
      this._runModels = offer.models;
      this._warnings = offer.warnings;
      this._fields = {
        ...this._fields,
        name: this._fields.name || (offer.suggested_name ?? ''),
        model: offer.models.length === 1 ? offer.models[0].variable : this._fields.model
      };
      this._status = 'ready';
    } catch (error) {
      this._error = asRequestError(error);
      this._status = 'unavailable';
    }
    this._changed.emit();
  }

  update(fields: Partial<IPackagingFields>): void {
    this._fields = { ...this._fields, ...fields };
    this._changed.emit();
  }

  /**
   * Once any registration under way has finished: a dialog closed while
   * packaging still gets the version the server goes on to register.
   */
  async settled(): Promise<IModelVersion | null> {
    await this._submitting;
    return this._version;
  }

  /** Package and register; on failure the form stays, with the server's error. */
  submit(): Promise<IModelVersion | null> {
    if (!this.canSubmit) {
      return Promise.resolve(null);
    }
    this._submitting = this._register();
    return this._submitting;
  }

  private async _register(): Promise<IModelVersion | null> {
    this._status = 'packaging';
    this._error = null;
    this._changed.emit();
    try {
      this._version = await this.api.register(this.request());
      this._status = 'registered';
    } catch (error) {
      this._error = asRequestError(error);
      this._status = 'ready';
    }
    this._changed.emit();
    return this._version;
  }

  /** The `POST models` body: optional fields only when filled in. */
  request(): IRegisterRequest {
    const { name, model, alias, description } = this._fields;
    const body: IRegisterRequest = { run_id: this.runId, name: name.trim() };
    if (model) {
      body.model = model;
    }
    if (alias.trim()) {
      body.alias = alias.trim();
    }
    if (description.trim()) {
      body.description = description.trim();
    }
    return body;
  }

  private _status: PackagingStatus = 'loading';
  private _fields: IPackagingFields = { name: '', model: '', alias: '', description: '' };
  private _runModels: IRunModel[] = [];
  private _warnings: string[] = [];
  private _error: MlopsRequestError | null = null;
  private _version: IModelVersion | null = null;
  private _submitting: Promise<IModelVersion | null> | null = null;
  private _changed = new Signal<PackagingForm, void>(this);
}
