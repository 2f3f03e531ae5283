import { PackagingForm, referenceProblem } from '../models/packaging';
import { MlopsRequestError } from '../request';
import { FakeRegistry } from './registryfake';

function fakeWithRun(models: { variable: string; type: string }[], warnings: string[] = []): FakeRegistry {
  const api = new FakeRegistry();
  api.offers.set('r1', { models, warnings, suggested_name: 'churn-model' });
  return api;
}

describe('referenceProblem', () => {
  it('follows the registry’s rules for names and aliases', () => {
    expect(referenceProblem('churn-model_v2.x', 'name')).toBeNull();
    expect(referenceProblem('2024-churn', 'name')).toBeNull();
    expect(referenceProblem('', 'name')).toBe('missing');
    expect(referenceProblem('', 'alias')).toBeNull();
    expect(referenceProblem('_canary', 'alias')).toBeNull();
    for (const bad of ['a/b', 'a@b', 'models:x', 'two words', '-lead', 'x'.repeat(129)]) {
      expect(referenceProblem(bad, 'name')).toBe('invalid');
    }
    // A leading digit would read as a version; dots are for names only.
    for (const bad of ['2', 'v.1', 'prod uction']) {
      expect(referenceProblem(bad, 'alias')).toBe('invalid');
    }
  });
});

describe('PackagingForm', () => {
  it('offers the suggested name, the only model and the warnings', async () => {
    const api = fakeWithRun([{ variable: 'clf', type: 'LogisticRegression' }], ['stale cell [3]']);
    const form = new PackagingForm('r1', api, ['fraud']);
    expect(form.status).toBe('loading');
    await form.load();

    expect(form.status).toBe('ready');
    expect(form.fields).toMatchObject({ name: 'churn-model', model: 'clf' });
    expect(form.warnings).toEqual(['stale cell [3]']);
    expect(form.addsVersion).toBe(false);
    expect(form.canSubmit).toBe(true);

    form.update({ name: 'fraud' });
    expect(form.addsVersion).toBe(true);
  });

  it('asks for a choice when the run holds several models', async () => {
    const api = fakeWithRun([
      { variable: 'lr', type: 'LogisticRegression' },
      { variable: 'rf', type: 'RandomForestClassifier' }
    ]);
    const form = new PackagingForm('r1', api, []);
    await form.load();
    expect(form.problems.model).toBe('missing');
    expect(form.canSubmit).toBe(false);
    await expect(form.submit()).resolves.toBeNull();
    expect(api.registered).toEqual([]);

    form.update({ model: 'rf' });
    expect(form.canSubmit).toBe(true);
  });

  it('sends only what was filled in, trimmed, and keeps the new version', async () => {
    const api = fakeWithRun([{ variable: 'clf', type: 'LogisticRegression' }]);
    const form = new PackagingForm('r1', api, []);
    await form.load();
    form.update({ name: ' churn ', alias: ' staging ', description: '' });
    const statuses: string[] = [];
    form.changed.connect(() => statuses.push(form.status));

    const created = await form.submit();

    expect(statuses).toEqual(['packaging', 'registered']);
    expect(api.registered).toEqual([{ run_id: 'r1', name: 'churn', model: 'clf', alias: 'staging' }]);
    expect(created).toMatchObject({ name: 'churn', version: 1 });
    expect(form.version).toBe(created);
  });

  it('hands over a registration that finishes after the dialog is gone', async () => {
    const api = fakeWithRun([{ variable: 'clf', type: 'LogisticRegression' }]);
    const form = new PackagingForm('r1', api, []);
    await form.load();
    await expect(form.settled()).resolves.toBeNull();

    void form.submit();
    expect(form.status).toBe('packaging');
    await expect(form.settled()).resolves.toMatchObject({ name: 'churn-model', version: 1 });
  });

  it('keeps the form and shows the server error when packaging fails', async () => {
    const api = fakeWithRun([{ variable: 'clf', type: 'LogisticRegression' }]);
    const form = new PackagingForm('r1', api, []);
    await form.load();
    api.failNext.register = new MlopsRequestError(
      'server', 422, 'cannot rebuild the model', 'df is defined only before tracking started'
    );

    await expect(form.submit()).resolves.toBeNull();

    expect(form.status).toBe('ready');
    expect(form.error?.message).toBe('cannot rebuild the model');
    expect(form.error?.detail).toContain('before tracking started');
    expect(form.fields.name).toBe('churn-model');
    // Fixing and retrying clears the error.
    await form.submit();
    expect(form.status).toBe('registered');
    expect(form.error).toBeNull();
  });

  it('cannot submit a run that holds no model', async () => {
    const form = new PackagingForm('r1', fakeWithRun([]), []);
    await form.load();
    expect(form.status).toBe('ready');
    expect(form.problems.model).toBe('missing');
    expect(form.canSubmit).toBe(false);
  });

  it('is unavailable, with the reason, when the run cannot be read', async () => {
    const form = new PackagingForm('nope', new FakeRegistry(), []);
    await form.load();
    expect(form.status).toBe('unavailable');
    expect(form.error?.kind).toBe('not-found');
    expect(form.canSubmit).toBe(false);
  });

  it('blocks names and aliases a reference cannot carry', async () => {
    const form = new PackagingForm('r1', fakeWithRun([{ variable: 'clf', type: 'X' }]), []);
    await form.load();
    form.update({ name: 'churn/1', alias: 'prod uction' });
    expect(form.problems).toEqual({ name: 'invalid', alias: 'invalid' });
    form.update({ name: '  ' });
    expect(form.problems.name).toBe('missing');
  });
});
