/**
 * The Experiments view's own reads: the store's catalog and many runs'
 * metric histories in one request (see `server/experiments.py`).
 */
import { ServerConnection } from '@jupyterlab/services';

import { queryString, requestAPI } from '../request';
import type { ICatalog } from './models/query';

export function fetchCatalog(settings?: ServerConnection.ISettings): Promise<ICatalog> {
  return requestAPI<ICatalog>('catalog', {}, settings);
}

/** Steps and values by step per run id; a NaN value arrives as null. */
export type Histories = Record<string, { steps: number[]; values: (number | null)[] }>;

export async function fetchHistories(
  runIds: string[],
  key: string,
  settings?: ServerConnection.ISettings
): Promise<Histories> {
  const answer = await requestAPI<{ histories: Histories }>(
    `metrics/histories${queryString({ key, ids: runIds.join(',') })}`,
    {},
    settings
  );
  return answer.histories;
}
