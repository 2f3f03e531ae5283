/**
 * The left sidebar panel. It only renders the model; fetching and state
 * transitions live in `model.ts`.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Button, ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import { mlopsIcon } from './icons';
import { IHealth, MlopsRequestError } from './request';
import { IMlopsModel, SIDEBAR_ID } from './tokens';

/** Command that enables the server extension, shown verbatim to the user. */
const ENABLE_COMMAND = 'jupyter server extension enable jupyter_mlops';

export class MlopsSidebar extends ReactWidget {
  constructor(
    private readonly model: IMlopsModel,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('jp-mlops-Sidebar');
    this.title.icon = mlopsIcon;
    this.title.caption = trans.__('MLOps');
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <SidebarContent model={this.model} trans={this.trans} />}
      </UseSignal>
    );
  }
}

interface IViewProps {
  model: IMlopsModel;
  trans: TranslationBundle;
}

function SidebarContent({ model, trans }: IViewProps): JSX.Element {
  const { status, health, error } = model;
  return (
    <div className="jp-mlops-SidebarContent" data-state={status}>
      <header className="jp-mlops-Header">
        <mlopsIcon.react tag="span" className="jp-mlops-HeaderIcon" />
        <h2 className="jp-mlops-Title">{trans.__('Jupyter MLOps')}</h2>
      </header>
      {status === 'loading' && (
        <p className="jp-mlops-Loading" role="status">
          {trans.__('Connecting to the MLOps server extension…')}
        </p>
      )}
      {status === 'error' && error ? (
        <ErrorView
          error={error}
          trans={trans}
          onRetry={() => void model.refresh()}
        />
      ) : (
        health && <HealthView health={health} trans={trans} />
      )}
    </div>
  );
}

function HealthView({
  health,
  trans
}: {
  health: IHealth;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <dl className="jp-mlops-Facts" data-testid="mlops-health">
      <dt>{trans.__('Version')}</dt>
      <dd className="jp-mlops-Version" data-testid="mlops-version">
        {health.version}
      </dd>
      <dt>{trans.__('Store')}</dt>
      <dd className="jp-mlops-StoreKind" data-testid="mlops-store-kind">
        {health.store.kind}
      </dd>
      <dt>{trans.__('Location')}</dt>
      <dd
        className="jp-mlops-StoreLocation"
        data-testid="mlops-store-location"
        title={health.store.location}
      >
        {health.store.location}
      </dd>
    </dl>
  );
}

function ErrorView({
  error,
  trans,
  onRetry
}: {
  error: MlopsRequestError;
  trans: TranslationBundle;
  onRetry: () => void;
}): JSX.Element {
  return (
    <div
      className="jp-mlops-Error"
      role="alert"
      data-testid="mlops-error"
      data-error-kind={error.kind}
    >
      <p className="jp-mlops-ErrorMessage">{errorSummary(error, trans)}</p>
      {error.kind === 'not-enabled' && (
        <>
          <p>{trans.__('Enable it, then restart JupyterLab:')}</p>
          <pre className="jp-mlops-Command">
            <code>{ENABLE_COMMAND}</code>
          </pre>
        </>
      )}
      {(error.kind === 'server' || error.kind === 'not-found') && (
        <p className="jp-mlops-ErrorDetail" data-testid="mlops-error-detail">
          {errorDetail(error)}
        </p>
      )}
      <Button
        className="jp-mlops-Retry jp-mod-styled jp-mod-accept"
        data-testid="mlops-retry"
        onClick={onRetry}
      >
        {trans.__('Retry')}
      </Button>
    </div>
  );
}

function errorSummary(
  error: MlopsRequestError,
  trans: TranslationBundle
): string {
  switch (error.kind) {
    case 'not-enabled':
      return trans.__(
        'The jupyter_mlops server extension is not enabled on this Jupyter server.'
      );
    case 'network':
      return trans.__(
        'Could not reach the Jupyter server. Check that it is still running.'
      );
    case 'forbidden':
      return trans.__(
        'The Jupyter server refused the request (HTTP %1). Log in again or ask your administrator for access.',
        error.status
      );
    case 'not-found':
    case 'server':
      return trans.__('The MLOps server extension answered with an error.');
  }
}

/** Technical detail for bug reports; not translated, it comes from the server. */
function errorDetail(error: MlopsRequestError): string {
  const parts = [error.message];
  if (error.status) {
    parts.unshift(`HTTP ${error.status}`);
  }
  if (error.detail) {
    parts.push(error.detail);
  }
  return parts.join(' — ');
}
