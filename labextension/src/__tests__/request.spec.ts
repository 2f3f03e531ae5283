import { ServerConnection } from '@jupyterlab/services';

import {
  fetchHealth,
  listModels,
  listRuns,
  MlopsRequestError,
  queryString,
  updateRun
} from '../request';

const BASE_URL = 'http://localhost:8888/lab-base/';

const HEALTH = {
  version: '0.1.0',
  store: { kind: 'sqlite', location: '/tmp/store' },
  schema_version: '0001'
};

/** Settings whose fetch answers every request with `respond()`. */
function settingsAnswering(respond: () => Promise<Response>): {
  settings: ServerConnection.ISettings;
  urls: string[];
} {
  const urls: string[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE_URL,
    fetch: (input: RequestInfo | URL) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return respond();
    }
  });
  return { settings, urls };
}

async function healthError(
  respond: () => Promise<Response>
): Promise<MlopsRequestError> {
  const { settings } = settingsAnswering(respond);
  const error = await fetchHealth(settings).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MlopsRequestError);
  return error as MlopsRequestError;
}

describe('fetchHealth', () => {
  it('returns the health body from the namespaced URL', async () => {
    const { settings, urls } = settingsAnswering(async () =>
      Response.json(HEALTH)
    );
    await expect(fetchHealth(settings)).resolves.toEqual(HEALTH);
    // ServerConnection appends a cache buster to no-store requests.
    expect(urls.map(url => url.split('?')[0])).toEqual([
      `${BASE_URL}jupyter-mlops/api/health`
    ]);
  });

  it('reports a 404 without API body as a disabled server extension', async () => {
    const error = await healthError(
      async () =>
        new Response('<html>404: Not Found</html>', {
          status: 404,
          statusText: 'Not Found'
        })
    );
    expect(error.kind).toBe('not-enabled');
    expect(error.status).toBe(404);
  });

  it('keeps the error and detail of an API error body', async () => {
    const error = await healthError(async () =>
      Response.json(
        { error: 'store unavailable', detail: 'disk full' },
        { status: 503 }
      )
    );
    expect(error.kind).toBe('server');
    expect(error.message).toBe('store unavailable');
    expect(error.detail).toBe('disk full');
  });

  it('tells a refused request apart', async () => {
    const error = await healthError(
      async () => new Response('', { status: 403 })
    );
    expect(error.kind).toBe('forbidden');
  });

  it('reports an unreachable server as a network error', async () => {
    const error = await healthError(() =>
      Promise.reject(new TypeError('Failed to fetch'))
    );
    expect(error.kind).toBe('network');
    expect(error.status).toBe(0);
  });

  it('rejects a body that does not look like health', async () => {
    const error = await healthError(async () => Response.json({ ok: true }));
    expect(error.kind).toBe('server');
  });
});

describe('run requests', () => {
  it('sends repeated tags and leaves unset filters out', async () => {
    const { settings, urls } = settingsAnswering(async () =>
      Response.json({ runs: [], next_cursor: null, change_cursor: '0' })
    );
    await listRuns(
      { notebook: '/a b.ipynb', tag: ['team=risk', 'gpu'], q: undefined, limit: 5 },
      settings
    );
    const url = new URL(urls[0]);
    expect(url.pathname).toBe('/lab-base/jupyter-mlops/api/runs');
    expect(url.searchParams.getAll('tag')).toEqual(['team=risk', 'gpu']);
    expect(url.searchParams.get('notebook')).toBe('/a b.ipynb');
    expect(url.searchParams.get('limit')).toBe('5');
    expect(url.searchParams.has('q')).toBe(false);
  });

  it('builds no query string from nothing', () => {
    expect(queryString({ a: undefined, b: '' })).toBe('');
  });

  it('keeps an empty group value: the group of runs whose value is the empty string', () => {
    expect(queryString({ group: 'tags.t', group_value: '' })).toBe(
      '?group=tags.t&group_value='
    );
  });

  it('patches a run with a JSON body', async () => {
    const requests: Request[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: BASE_URL,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        requests.push(new Request(input, init));
        return Promise.resolve(Response.json({ run_id: 'r1' }));
      }
    });
    await updateRun('r1', { tags: { old: null } }, settings);
    expect(requests[0].method).toBe('PATCH');
    expect(requests[0].headers.get('Content-Type')).toBe('application/json');
    expect(await requests[0].json()).toEqual({ tags: { old: null } });
  });
});

describe('listModels', () => {
  it('treats a 404 from Jupyter as a missing registry API', async () => {
    const { settings } = settingsAnswering(
      async () => new Response('<html>404</html>', { status: 404 })
    );
    await expect(listModels(settings)).resolves.toBeNull();
  });

  it('returns the registered models', async () => {
    const { settings } = settingsAnswering(async () =>
      Response.json({ models: [{ name: 'churn' }] })
    );
    await expect(listModels(settings)).resolves.toEqual([{ name: 'churn' }]);
  });

  it('still reports other failures', async () => {
    const { settings } = settingsAnswering(
      async () => new Response('', { status: 403 })
    );
    await expect(listModels(settings)).rejects.toBeInstanceOf(MlopsRequestError);
  });
});
