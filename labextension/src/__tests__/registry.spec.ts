import { RegistryModel } from '../models/registry';
import { MlopsRequestError } from '../request';
import { FakeRegistry } from './registryfake';

async function registryWith(...names: string[]): Promise<[RegistryModel, FakeRegistry]> {
  const api = new FakeRegistry();
  for (const name of names) {
    await api.register({ run_id: 'r1', name });
  }
  const registry = new RegistryModel(api);
  await registry.reload();
  return [registry, api];
}

describe('RegistryModel', () => {
  it('lists registered names and loads versions only when a name is expanded', async () => {
    const [registry, api] = await registryWith('churn', 'fraud');
    expect(registry.status).toBe('ready');
    expect(registry.names).toEqual(['churn', 'fraud']);
    const getModel = jest.spyOn(api, 'getModel');

    expect(registry.detail('churn')).toBeUndefined();
    await registry.toggle('churn');
    expect(registry.isExpanded('churn')).toBe(true);
    expect(registry.detail('churn')?.versions.map(v => v.version)).toEqual([1]);
    expect(getModel).toHaveBeenCalledTimes(1);

    await registry.toggle('churn');
    expect(registry.isExpanded('churn')).toBe(false);
  });

  it('keeps null models while the server has no registry API', async () => {
    const api = new FakeRegistry();
    api.listModels = async () => null;
    const registry = new RegistryModel(api);
    await registry.reload();
    expect(registry.status).toBe('ready');
    expect(registry.models).toBeNull();
  });

  it('reports a failed list and recovers on reload', async () => {
    const [registry, api] = await registryWith('churn');
    api.failNext.listModels = new MlopsRequestError('server', 500, 'store unavailable');
    await registry.reload();
    expect(registry.status).toBe('error');
    expect(registry.error?.message).toBe('store unavailable');
    await registry.reload();
    expect(registry.status).toBe('ready');
    expect(registry.error).toBeNull();
  });

  it('moves an alias between versions and reloads the list and the history', async () => {
    const [registry, api] = await registryWith('churn');
    await api.register({ run_id: 'r2', name: 'churn' });
    await registry.toggle('churn');

    expect(await registry.setAlias('churn', 'production', 1)).toBe(true);
    expect(await registry.setAlias('churn', 'production', 2)).toBe(true);

    const detail = registry.detail('churn')!;
    expect(detail.versions.find(v => v.version === 2)?.aliases).toEqual(['production']);
    expect(detail.versions.find(v => v.version === 1)?.aliases).toEqual([]);
    expect(detail.alias_history[detail.alias_history.length - 1]).toMatchObject({ alias: 'production', from_version: 1, to_version: 2 });
    expect(registry.models?.[0].aliases).toEqual({ production: 2 });
  });

  it('shows a refused alias change on the model and changes nothing', async () => {
    const [registry, api] = await registryWith('churn');
    await registry.toggle('churn');
    api.failNext.setAlias = new MlopsRequestError('server', 400, 'invalid alias', 'aliases are letters');
    expect(await registry.setAlias('churn', 'bad', 1)).toBe(false);
    expect(registry.aliasError('churn')?.detail).toBe('aliases are letters');
    expect(registry.modelError('churn')).toBeNull();
    expect(registry.detail('churn')?.aliases).toEqual({});

    await registry.deleteAlias('churn', 'missing');
    expect(registry.aliasError('churn')?.kind).toBe('not-found');
    // A change that goes through clears it.
    await registry.setAlias('churn', 'staging', 1);
    expect(registry.aliasError('churn')).toBeNull();
  });

  it('marks a version as verifying until the result is in, then shows it', async () => {
    const [registry, api] = await registryWith('churn');
    await registry.toggle('churn');
    let finish!: () => void;
    jest.spyOn(api, 'verify').mockImplementationOnce(async (name, number) => {
      await new Promise<void>(resolve => (finish = resolve));
      return FakeRegistry.prototype.verify.call(api, name, number);
    });

    const verifying = registry.verify('churn', 1);
    expect(registry.action('churn', 1)).toBe('verifying');
    // A second click while it runs starts nothing.
    await registry.verify('churn', 1);
    expect(api.verify).toHaveBeenCalledTimes(1);
    finish();
    await verifying;

    expect(registry.action('churn', 1)).toBeNull();
    expect(registry.detail('churn')?.versions[0].verification.status).toBe('reproduced');
  });

  it('keeps a failed verification request on its version', async () => {
    const [registry, api] = await registryWith('churn');
    api.failNext.verify = new MlopsRequestError('server', 422, 'train.py failed', 'NameError: df');
    await registry.verify('churn', 1);
    expect(registry.action('churn', 1)).toBeNull();
    expect(registry.actionError('churn', 1)).toMatchObject({
      action: 'verifying',
      error: { message: 'train.py failed', detail: 'NameError: df' }
    });
    // The next attempt clears it.
    await registry.verify('churn', 1);
    expect(registry.actionError('churn', 1)).toBeNull();
  });

  it('downloads a version and reveals a new one', async () => {
    const [registry, api] = await registryWith('churn');
    await registry.download('churn', 1);
    expect(api.downloads).toEqual(['churn/1']);

    const created = await api.register({ run_id: 'r3', name: 'fraud' });
    await registry.reveal(created.name, created.version);
    expect(registry.names).toEqual(['churn', 'fraud']);
    expect(registry.isExpanded('fraud')).toBe(true);
    expect(registry.detail('fraud')?.versions[0].run_id).toBe('r3');
    expect(registry.highlighted).toEqual({ name: 'fraud', version: 1 });
  });
});
