/**
 * The "Package and register model" dialog: a JupyterLab Dialog whose accept
 * button packages the run without closing, so progress and the server's
 * errors are shown in place; once registered it leads to the new version.
 */
import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import { MlopsRequestError } from '../request';
import { explainWarning } from '../warnings';
import type { IRegistryAPI } from './api';
import { FieldProblem, IPackagingFields, PackagingForm } from './packaging';
import type { IModelVersion } from './types';

/** Index of the accept button in the dialog's buttons. */
const ACCEPT = 1;

export interface IPackageOptions {
  runId: string;
  runName: string;
  api: IRegistryAPI;
  /** Names already registered, suggested in the name field. */
  knownNames: readonly string[];
  trans: TranslationBundle;
}

export interface IPackageResult {
  /** The registered version, even when the dialog was then closed. */
  version: IModelVersion | null;
  /** The user asked to be shown the version. */
  show: boolean;
}

/** Open the dialog for a run; resolves once it is closed. */
export async function packageRun(options: IPackageOptions): Promise<IPackageResult> {
  const { trans } = options;
  const form = new PackagingForm(options.runId, options.api, options.knownNames);
  void form.load();
  // The body's link to the new version closes the dialog the way its accept button does.
  const body = new PackageBody(form, trans, () => dialog.resolve(ACCEPT));
  const dialog: PackageDialog = new PackageDialog(form, trans, {
    title: trans.__('Package and register %1', options.runName),
    body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: trans.__('Package and register') })
    ],
    defaultButton: ACCEPT,
    focusNodeSelector: 'input[name="name"]',
    hasClose: true
  });
  const result = await dialog.launch();
  const version = await form.settled();
  return { version, show: version !== null && result.button.accept };
}

/**
 * Accepting runs the registration and keeps the dialog open; once a version
 * is registered the accept button becomes "Show in Models" and closes it.
 */
class PackageDialog extends Dialog<void> {
  constructor(
    private readonly form: PackagingForm,
    private readonly trans: TranslationBundle,
    options: Partial<Dialog.IOptions<void>>
  ) {
    super(options);
    this.addClass('jp-mlops-PackageDialog');
    form.changed.connect(this._sync, this);
    this._sync();
  }

  override resolve(index?: number): void {
    if ((index ?? ACCEPT) === ACCEPT && this.form.status !== 'registered') {
      void this.form.submit();
      return;
    }
    super.resolve(index);
  }

  override dispose(): void {
    this.form.changed.disconnect(this._sync, this);
    super.dispose();
  }

  /** The footer follows the form: Dialog builds its buttons once, as plain DOM nodes. */
  private _sync(): void {
    const { form, trans } = this;
    const accept = this.node.querySelector<HTMLButtonElement>('.jp-Dialog-button.jp-mod-accept');
    const cancel = this.node.querySelector<HTMLButtonElement>('.jp-Dialog-button.jp-mod-reject');
    const registered = form.status === 'registered';
    if (accept) {
      accept.disabled = !(registered || form.canSubmit);
      const label = registered ? trans.__('Show in Models') : trans.__('Package and register');
      accept.querySelector('.jp-Dialog-buttonLabel')!.textContent = label;
      accept.ariaLabel = label;
    }
    if (cancel) {
      const label = registered ? trans.__('Close') : trans.__('Cancel');
      cancel.querySelector('.jp-Dialog-buttonLabel')!.textContent = label;
      cancel.ariaLabel = label;
    }
  }
}

class PackageBody extends ReactWidget {
  constructor(
    private readonly form: PackagingForm,
    private readonly trans: TranslationBundle,
    private readonly onShow: () => void
  ) {
    super();
    this.addClass('jp-mlops-PackageBody');
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.form.changed}>
        {() => <PackageFormView form={this.form} trans={this.trans} onShow={this.onShow} />}
      </UseSignal>
    );
  }
}

function PackageFormView({
  form,
  trans,
  onShow
}: {
  form: PackagingForm;
  trans: TranslationBundle;
  onShow: () => void;
}): JSX.Element {
  const { status, fields, problems, error } = form;
  if (status === 'loading') {
    return (
      <p className="jp-mlops-Loading" role="status">
        {trans.__('Reading what the run holds…')}
      </p>
    );
  }
  if (status === 'unavailable' && error) {
    return (
      <div data-testid="mlops-package-dialog">
        <RequestError
          summary={trans.__('Could not read what this run holds.')}
          error={error}
          trans={trans}
        />
      </div>
    );
  }
  const update = (change: Partial<IPackagingFields>): void => form.update(change);
  const listId = `jp-mlops-names-${form.runId}`;
  return (
    <div className="jp-mlops-PackageForm" data-testid="mlops-package-dialog">
      {/* Progress and outcome first, where they are seen without scrolling. */}
      {status === 'packaging' && (
        <div className="jp-mlops-Progress" role="status" data-testid="mlops-package-progress">
          <progress aria-label={trans.__('Packaging')} />
          <span>
            {trans.__(
              'Packaging: serializing the model, slicing its training code and pinning its requirements. A model whose kernel is gone is rebuilt first, which takes longer.'
            )}
          </span>
        </div>
      )}
      {status === 'ready' && error && (
        <RequestError summary={trans.__('This run could not be packaged.')} error={error} trans={trans} />
      )}
      {status === 'registered' && form.version && (
        <Registered version={form.version} trans={trans} onShow={onShow} />
      )}
      <fieldset disabled={status !== 'ready'}>
        <label className="jp-mlops-Field">
          <span>{trans.__('Model name')}</span>
          <ValidatedInput
            name="name"
            list={listId}
            value={fields.name}
            problem={fieldMessage('name', problems.name, trans)}
            onChange={name => update({ name })}
          />
          <datalist id={listId}>
            {form.knownNames.map(name => (
              <option key={name} value={name} />
            ))}
          </datalist>
          <span className="jp-mlops-Muted" data-testid="mlops-package-name-hint">
            {form.addsVersion
              ? trans.__('Adds a new version to the registered model %1.', fields.name.trim())
              : trans.__('Registers a new model; versions are numbered from 1.')}
          </span>
        </label>
        <ModelPicker form={form} trans={trans} onChange={model => update({ model })} />
        <label className="jp-mlops-Field">
          <span>{trans.__('Alias (optional)')}</span>
          <ValidatedInput
            name="alias"
            value={fields.alias}
            placeholder={trans.__('e.g. staging')}
            problem={fieldMessage('alias', problems.alias, trans)}
            onChange={alias => update({ alias })}
          />
        </label>
        <label className="jp-mlops-Field">
          <span>{trans.__('Description (optional)')}</span>
          <textarea
            className="jp-mod-styled"
            name="description"
            rows={2}
            value={fields.description}
            onChange={event => update({ description: event.target.value })}
          />
        </label>
      </fieldset>
      <LineageWarnings warnings={form.warnings} trans={trans} />
    </div>
  );
}

/** A text box whose problem marks it invalid, so the dialog's accept button is disabled. */
function ValidatedInput({
  name,
  value,
  problem,
  onChange,
  list,
  placeholder
}: {
  name: string;
  value: string;
  problem: string | null;
  onChange: (value: string) => void;
  list?: string;
  placeholder?: string;
}): JSX.Element {
  const problemId = `jp-mlops-package-${name}-problem`;
  return (
    <>
      <input
        className="jp-mod-styled"
        name={name}
        list={list}
        value={value}
        placeholder={placeholder}
        maxLength={255}
        autoComplete="off"
        aria-invalid={problem !== null && value !== ''}
        aria-describedby={problem ? problemId : undefined}
        ref={node => node?.setCustomValidity(problem ?? '')}
        onChange={event => onChange(event.target.value)}
      />
      {problem && value !== '' && (
        <span id={problemId} className="jp-mlops-InlineError" role="alert">
          {problem}
        </span>
      )}
    </>
  );
}

function fieldMessage(
  field: 'name' | 'alias',
  problem: FieldProblem | undefined,
  trans: TranslationBundle
): string | null {
  switch (problem) {
    case 'missing':
      return trans.__('Give the model a name.');
    case 'invalid':
      return field === 'name' ? nameRule(trans) : aliasRule(trans);
    default:
      return null;
  }
}

export function nameRule(trans: TranslationBundle): string {
  return trans.__('Use up to 128 letters, digits, ".", "_" or "-", starting with a letter or digit.');
}

export function aliasRule(trans: TranslationBundle): string {
  return trans.__(
    'Use up to 64 letters, digits, "_" or "-", starting with a letter or "_" (a number would read as a version).'
  );
}

function ModelPicker({
  form,
  trans,
  onChange
}: {
  form: PackagingForm;
  trans: TranslationBundle;
  onChange: (model: string) => void;
}): JSX.Element | null {
  const models = form.runModels;
  const describe = (variable: string, type: string): string => `${variable} (${type})`;
  if (models.length === 1) {
    return (
      <p className="jp-mlops-Field" data-testid="mlops-package-model">
        <span>{trans.__('Model')}</span>
        <code>{describe(models[0].variable, models[0].type)}</code>
      </p>
    );
  }
  if (models.length === 0) {
    return (
      <p className="jp-mlops-InlineError" role="alert" data-testid="mlops-package-model">
        {trans.__(
          'This run recorded no fitted model: fit one in a tracked cell, or mark it with %track model VAR.'
        )}
      </p>
    );
  }
  return (
    <label className="jp-mlops-Field">
      <span>{trans.__('Model (this run holds %1)', models.length)}</span>
      <select
        className="jp-mod-styled"
        name="model"
        data-testid="mlops-package-model"
        required
        value={form.fields.model}
        onChange={event => onChange(event.target.value)}
      >
        <option value="">{trans.__('Choose the model to package')}</option>
        {models.map(model => (
          <option key={model.variable} value={model.variable}>
            {describe(model.variable, model.type)}
          </option>
        ))}
      </select>
    </label>
  );
}

function LineageWarnings({
  warnings,
  trans
}: {
  warnings: readonly string[];
  trans: TranslationBundle;
}): JSX.Element {
  if (warnings.length === 0) {
    return (
      <p className="jp-mlops-Muted" data-testid="mlops-package-warnings">
        {trans.__('No lineage warnings: the recorded cells are the ones that made the model.')}
      </p>
    );
  }
  return (
    <div className="jp-mlops-PackageWarnings" data-testid="mlops-package-warnings">
      <p className="jp-mlops-WarningText">
        {trans._n(
          'This run has a lineage warning; the package and its model card will carry it:',
          'This run has %1 lineage warnings; the package and its model card will carry them:',
          warnings.length
        )}
      </p>
      <ul className="jp-mlops-Warnings">
        {warnings.map(warning => (
          <li key={warning}>
            <span className="jp-mlops-WarningText">{warning}</span>{' '}
            <span className="jp-mlops-Muted">{explainWarning(warning, trans)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A failed request in place: what could not be done, the server's reason
 * (the `detail` of its `{error, detail}` body) and, muted, the HTTP status.
 */
export function RequestError({
  summary,
  error,
  trans
}: {
  summary: string;
  error: MlopsRequestError;
  trans: TranslationBundle;
}): JSX.Element {
  const reason =
    error.kind === 'network'
      ? trans.__('Could not reach the Jupyter server. Check that it is still running.')
      : (error.detail ?? error.message);
  return (
    <div className="jp-mlops-InlineProblem" role="alert" data-testid="mlops-request-error">
      <p className="jp-mlops-ErrorMessage">{summary}</p>
      <p className="jp-mlops-ErrorDetail">{reason}</p>
      {error.status > 0 && (
        <p className="jp-mlops-Muted">
          {error.detail ? `HTTP ${error.status} ${error.message}` : `HTTP ${error.status}`}
        </p>
      )}
    </div>
  );
}

function Registered({
  version,
  trans,
  onShow
}: {
  version: IModelVersion;
  trans: TranslationBundle;
  onShow: () => void;
}): JSX.Element {
  return (
    <p className="jp-mlops-Registered" role="status" data-testid="mlops-package-done">
      {trans.__('Registered %1 version %2', version.name, version.version)}{' '}
      <span className="jp-mlops-Muted">
        {version.source === 'rebuilt'
          ? trans.__('(rebuilt in a fresh kernel from the recorded cells)')
          : trans.__('(from the live model in the run’s kernel)')}
      </span>{' '}
      <button
        type="button"
        className="jp-mlops-LinkButton"
        data-testid="mlops-package-link"
        onClick={onShow}
      >
        {trans.__('Show %1 v%2 in Models', version.name, version.version)}
      </button>
    </p>
  );
}
