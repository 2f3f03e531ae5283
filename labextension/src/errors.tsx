/**
 * How request failures are shown everywhere: what went wrong in plain words,
 * what to do about it, and a Retry button.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import { MlopsRequestError } from './request';

/** Command that enables the server extension, shown verbatim to the user. */
export const ENABLE_COMMAND = 'jupyter server extension enable jupyter_mlops';

export function ErrorView({
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
