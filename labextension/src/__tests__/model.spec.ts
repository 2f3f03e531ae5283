import { MlopsModel } from '../model';
import { IHealth, MlopsRequestError } from '../request';

const HEALTH: IHealth = {
  version: '0.1.0',
  store: { kind: 'sqlite', location: '/tmp/store' },
  schema_version: '0001'
};

describe('MlopsModel', () => {
  it('goes from loading to ready and emits each change', async () => {
    const model = new MlopsModel(async () => HEALTH, async () => null);
    const seen: string[] = [];
    model.changed.connect(() => seen.push(model.status));

    await model.refresh();

    expect(seen).toEqual(['loading', 'ready']);
    expect(model.health).toEqual(HEALTH);
    expect(model.error).toBeNull();
  });

  it('keeps a request error and recovers on retry', async () => {
    const failure = new MlopsRequestError('not-enabled', 404, 'Not Found');
    const load = jest
      .fn<Promise<IHealth>, []>()
      .mockRejectedValueOnce(failure)
      .mockResolvedValueOnce(HEALTH);
    const model = new MlopsModel(load, async () => null);

    await model.refresh();
    expect(model.status).toBe('error');
    expect(model.error).toBe(failure);

    await model.refresh();
    expect(model.status).toBe('ready');
    expect(model.error).toBeNull();
  });

  it('wraps unexpected exceptions as server errors', async () => {
    const model = new MlopsModel(() => Promise.reject(new Error('boom')));
    await model.refresh();
    expect(model.error?.kind).toBe('server');
  });

  it('loads registered models, or null without a registry API', async () => {
    const withRegistry = new MlopsModel(async () => HEALTH, async () => [{ name: 'churn' }]);
    await withRegistry.refresh();
    expect(withRegistry.models).toEqual([{ name: 'churn' }]);

    const without = new MlopsModel(async () => HEALTH, async () => null);
    await without.refresh();
    expect(without.models).toBeNull();
    expect(without.status).toBe('ready');
  });

  it('shares one request between concurrent refreshes', async () => {
    const load = jest.fn(async () => HEALTH);
    const model = new MlopsModel(load, async () => null);

    await Promise.all([model.refresh(), model.refresh()]);

    expect(load).toHaveBeenCalledTimes(1);
  });
});
