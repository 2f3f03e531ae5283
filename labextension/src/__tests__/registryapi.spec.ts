import { ServerConnection } from '@jupyterlab/services';

import { serverRegistry } from '../models/api';

const BASE_URL = 'http://localhost:8888/lab-base/';

/** The registry API of a server that answers `respond()` and records every request. */
function registryAnswering(respond: () => Response) {
  const requests: Request[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE_URL,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push(new Request(input, init));
      return Promise.resolve(respond());
    }
  });
  return { api: serverRegistry(settings), requests };
}

function path(request: Request): string {
  return new URL(request.url).pathname.replace('/lab-base/jupyter-mlops/api/', '');
}

describe('serverRegistry', () => {
  it('registers with a JSON body', async () => {
    const { api, requests } = registryAnswering(() =>
      Response.json({ name: 'churn', version: 1 }, { status: 201 })
    );
    await expect(api.register({ run_id: 'r1', name: 'churn', alias: 'staging' })).resolves.toEqual({
      name: 'churn',
      version: 1
    });
    expect(requests[0].method).toBe('POST');
    expect(path(requests[0])).toBe('models');
    expect(requests[0].headers.get('Content-Type')).toBe('application/json');
    expect(await requests[0].json()).toEqual({ run_id: 'r1', name: 'churn', alias: 'staging' });
  });

  it('moves and deletes aliases, and verifies, at the contract’s paths', async () => {
    const { api, requests } = registryAnswering(() => Response.json({}));
    await api.setAlias('churn', 'production', 3);
    await api.deleteAlias('churn', 'staging');
    await api.verify('churn', 3);
    await api.runModels('r 1');
    expect(requests.map(r => [r.method, path(r)])).toEqual([
      ['PUT', 'models/churn/aliases/production'],
      ['DELETE', 'models/churn/aliases/staging'],
      ['POST', 'models/churn/versions/3/verify'],
      ['GET', 'runs/r%201/models']
    ]);
    expect(await requests[0].json()).toEqual({ version: 3 });
  });

  it('turns a refusal into the server’s error and detail', async () => {
    const { api } = registryAnswering(() =>
      Response.json(
        { error: 'Unprocessable Entity', detail: 'no recorded cell binds `clf`' },
        { status: 422 }
      )
    );
    await expect(api.register({ run_id: 'r1', name: 'churn' })).rejects.toMatchObject({
      kind: 'server',
      status: 422,
      message: 'Unprocessable Entity',
      detail: 'no recorded cell binds `clf`'
    });
  });
});
