/**
 * The Experiments view's own reads: the store's catalog, the groups of the
 * matching runs with their counts (`server/runs.py`), and many runs' metric
 * histories in one request (see `server/experiments.py`).
 */
import { ServerConnection } from '@jupyterlab/services';

import { IRunQuery, queryString, requestAPI } from '../request';
import type { ICatalog } from './models/query';

/** The groups of the runs a query matches, each counted over all of them. */
export interface IRunGroups {
  group: string;
  /** Largest first; a null value is the runs without one. */
  groups: { value: string | null; count: number }[];
  total: number;
  /** More groups exist than were sent (the server sends the 1,000 largest). */
  truncated: boolean;
}

export function fetchGroups(
  query: IRunQuery,
  by: string,
  settings?: ServerConnection.ISettings
): Promise<IRunGroups> {
  return requestAPI<IRunGroups>(`runs/groups${queryString({ ...query, by })}`, {}, settings);
}

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
