/**
 * The only module that talks to the jupyter_mlops server extension.
 *
 * Every call goes through Jupyter's `ServerConnection`, so base URL, token,
 * XSRF cookie and proxy prefixes are handled the same way as for JupyterLab's
 * own requests.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IComparison,
  IDataset,
  IEnvironmentDiff,
  IMetricHistory,
  IRegisteredModel,
  IRun,
  IRunPage,
  IRunPatch,
  ITracking
} from './schema';

/** URL path of the REST API, relative to the server's base URL. */
export const API_NAMESPACE = 'jupyter-mlops/api';

/** Why a request failed, as far as the UI needs to tell the user. */
export type RequestErrorKind =
  /** The server could not be reached at all (offline, server stopped). */
  | 'network'
  /** 404 without an API error body: the server extension is not loaded. */
  | 'not-enabled'
  /** 404 answered by the API itself: the requested record does not exist. */
  | 'not-found'
  /** 401/403: the session expired or the user lacks permission. */
  | 'forbidden'
  /** Any other non-2xx answer, or a body that is not the expected JSON. */
  | 'server';

/** A failed API request; `status` is 0 when no HTTP response arrived. */
export class MlopsRequestError extends Error {
  constructor(
    readonly kind: RequestErrorKind,
    readonly status: number,
    message: string,
    readonly detail?: string
  ) {
    super(message);
    this.name = 'MlopsRequestError';
  }
}

/** Any failure as the request error the views know how to explain. */
export function asRequestError(error: unknown): MlopsRequestError {
  return error instanceof MlopsRequestError
    ? error
    : new MlopsRequestError('server', 0, errorMessage(error));
}

/** Store the server reads from, as reported by `GET /health`. */
export interface IStoreInfo {
  kind: string;
  location: string;
}

/** Body of `GET /jupyter-mlops/api/health`. */
export interface IHealth {
  version: string;
  store: IStoreInfo;
  schema_version: string;
}

/**
 * Call the REST API and parse its JSON answer.
 *
 * @param endpoint path below `/jupyter-mlops/api/`, e.g. `health`
 * @param init fetch options (method, body, ...)
 * @param settings server settings; injectable for tests
 * @throws MlopsRequestError for network failures and non-2xx answers
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endpoint);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new MlopsRequestError('network', 0, errorMessage(error));
  }

  const text = await response.text();
  if (!response.ok) {
    throw errorFromResponse(response, text);
  }
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    throw new MlopsRequestError(
      'server',
      response.status,
      `Invalid JSON from ${endpoint}`,
      text.slice(0, 200)
    );
  }
}

/** Fetch the server extension's version and store location. */
export async function fetchHealth(
  settings?: ServerConnection.ISettings
): Promise<IHealth> {
  const health = await requestAPI<Partial<IHealth>>('health', {}, settings);
  if (
    typeof health.version !== 'string' ||
    typeof health.store?.location !== 'string' ||
    typeof health.store?.kind !== 'string'
  ) {
    throw new MlopsRequestError(
      'server',
      200,
      'Unexpected answer from health',
      JSON.stringify(health).slice(0, 200)
    );
  }
  return health as IHealth;
}

/** Query of `GET /runs`; unset fields are left out of the URL. */
export interface IRunQuery {
  notebook?: string;
  experiment?: string;
  status?: string;
  user?: string;
  /** `key` or `key=value`. */
  tag?: string[];
  /** Conditions such as `metrics.auc>0.9`, all of which must hold. */
  filter?: string[];
  q?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
  since?: string;
  /** One group of `runs/groups`: its key and value, or `group_missing` for none. */
  group?: string;
  group_value?: string;
  group_missing?: 'true';
}

/** One page of runs matching `query`. */
export function listRuns(
  query: IRunQuery,
  settings?: ServerConnection.ISettings
): Promise<IRunPage> {
  return requestAPI<IRunPage>(`runs${queryString({ ...query })}`, {}, settings);
}

export function getRun(
  runId: string,
  settings?: ServerConnection.ISettings
): Promise<IRun> {
  return requestAPI<IRun>(`runs/${encodeURIComponent(runId)}`, {}, settings);
}

/** A dataset with its column profile (null until the kernel has profiled it). */
export function getDataset(
  datasetId: string,
  settings?: ServerConnection.ISettings
): Promise<IDataset> {
  return requestAPI<IDataset>(`datasets/${encodeURIComponent(datasetId)}`, {}, settings);
}

export function updateRun(
  runId: string,
  patch: IRunPatch,
  settings?: ServerConnection.ISettings
): Promise<IRun> {
  return requestAPI<IRun>(
    `runs/${encodeURIComponent(runId)}`,
    {
      method: 'PATCH',
      body: JSON.stringify(patch),
      headers: { 'Content-Type': 'application/json' }
    },
    settings
  );
}

export function getMetricHistory(
  runId: string,
  key: string,
  settings?: ServerConnection.ISettings
): Promise<IMetricHistory> {
  return requestAPI<IMetricHistory>(
    `runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(key)}`,
    {},
    settings
  );
}

export function compareRuns(
  runIds: string[],
  settings?: ServerConnection.ISettings
): Promise<IComparison> {
  return requestAPI<IComparison>(
    `compare${queryString({ ids: runIds.join(',') })}`,
    {},
    settings
  );
}

export function diffEnvironments(
  a: string,
  b: string,
  settings?: ServerConnection.ISettings
): Promise<IEnvironmentDiff> {
  return requestAPI<IEnvironmentDiff>(
    `environments/diff${queryString({ a, b })}`,
    {},
    settings
  );
}

export function getTracking(
  kernelId: string,
  settings?: ServerConnection.ISettings
): Promise<ITracking> {
  return requestAPI<ITracking>(
    `tracking${queryString({ kernel_id: kernelId })}`,
    {},
    settings
  );
}

/**
 * Registered models, or null while the server has no registry API (a 404
 * from Jupyter rather than from the API).
 */
export async function listModels(
  settings?: ServerConnection.ISettings
): Promise<IRegisteredModel[] | null> {
  try {
    const body = await requestAPI<{ models?: IRegisteredModel[] }>(
      'models',
      {},
      settings
    );
    return body.models ?? [];
  } catch (error) {
    if (error instanceof MlopsRequestError && error.kind === 'not-enabled') {
      return null;
    }
    throw error;
  }
}

/**
 * An artifact's bytes as an object URL (revoke it when done). Fetched with
 * the session's credentials, so it works with token-only authentication.
 */
export function fetchArtifactURL(
  artifactId: string,
  settings?: ServerConnection.ISettings
): Promise<string> {
  return fetchObjectURL(`artifacts/${encodeURIComponent(artifactId)}`, settings);
}

/** Any API answer's bytes (a file, a zip) as an object URL; revoke it when done. */
export async function fetchObjectURL(
  endpoint: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<string> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, settings);
  } catch (error) {
    throw new MlopsRequestError('network', 0, errorMessage(error));
  }
  if (!response.ok) {
    throw errorFromResponse(response, await response.text());
  }
  return URL.createObjectURL(await response.blob());
}

/**
 * Save an API answer as a file named `filename`. The bytes are fetched with
 * the user's credentials and handed to the browser, never rendered in the page.
 */
export async function downloadFile(
  endpoint: string,
  filename: string,
  settings?: ServerConnection.ISettings
): Promise<void> {
  const url = await fetchObjectURL(endpoint, settings);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  // The browser has taken its own reference once the click is dispatched.
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Parameters whose empty value means something: the group of runs tagged ''. */
const KEPT_WHEN_EMPTY = new Set(['group_value']);

/** `?a=1&tag=x&tag=y`, skipping empty values; '' when nothing is set. */
export function queryString(
  query: Record<string, string | number | string[] | undefined>
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && (item !== '' || KEPT_WHEN_EMPTY.has(key))) {
        params.append(key, String(item));
      }
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function errorFromResponse(
  response: Response,
  text: string
): MlopsRequestError {
  // The API answers errors as {"error": ..., "detail": ...}; anything else
  // (e.g. Jupyter's HTML 404 page) is reduced to the status text.
  let message = response.statusText || `HTTP ${response.status}`;
  let detail: string | undefined;
  let fromApi = false;
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown };
    if (typeof body.error === 'string') {
      message = body.error;
      fromApi = true;
    }
    if (body.detail !== undefined) {
      detail =
        typeof body.detail === 'string'
          ? body.detail
          : JSON.stringify(body.detail);
    }
  } catch {
    // Not JSON: keep the status text.
  }
  return new MlopsRequestError(
    kindForStatus(response.status, fromApi),
    response.status,
    message,
    detail
  );
}

function kindForStatus(status: number, fromApi: boolean): RequestErrorKind {
  if (status === 404) {
    return fromApi ? 'not-found' : 'not-enabled';
  }
  if (status === 401 || status === 403) {
    return 'forbidden';
  }
  return 'server';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
