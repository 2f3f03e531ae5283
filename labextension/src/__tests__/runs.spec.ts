import { IRunQuery, MlopsRequestError } from '../request';
import { PAGE_SIZE, RunsModel } from '../runs';
import type { IRunPage } from '../schema';
import { page, run } from './fixtures';

/** A fake `GET /runs` answering queued pages and recording each query. */
function fakeApi(...pages: (IRunPage | Error)[]): {
  fetch: jest.Mock<Promise<IRunPage>, [IRunQuery]>;
  queries: IRunQuery[];
} {
  const queries: IRunQuery[] = [];
  const fetch = jest.fn(async (query: IRunQuery) => {
    queries.push(query);
    const next = pages.shift();
    if (next === undefined) {
      throw new Error(`unexpected query ${JSON.stringify(query)}`);
    }
    if (next instanceof Error) {
      throw next;
    }
    return next;
  });
  return { fetch, queries };
}

const NOTEBOOK = '/root/train.ipynb';

describe('RunsModel loading', () => {
  it('loads the active notebook’s runs, newest first', async () => {
    const api = fakeApi(page([run('b'), run('a')]));
    const model = new RunsModel(api.fetch);
    await model.setActiveNotebook(NOTEBOOK);

    expect(api.queries[0]).toMatchObject({ notebook: NOTEBOOK, sort: '-started', limit: PAGE_SIZE });
    expect(model.runs.map(r => r.run_id)).toEqual(['b', 'a']);
    expect(model.notebookShown).toBe(NOTEBOOK);
    expect(model.status).toBe('ready');
  });

  it('shows all runs when the active notebook has none yet', async () => {
    const api = fakeApi(page([]), page([run('x', { notebook: '/root/other.ipynb' })]));
    const model = new RunsModel(api.fetch);
    await model.setActiveNotebook(NOTEBOOK);

    expect(api.queries.map(q => q.notebook)).toEqual([NOTEBOOK, undefined]);
    expect(model.notebookShown).toBeNull();
    expect(model.runs).toHaveLength(1);
  });

  it('narrows to the active notebook once its first run arrives', async () => {
    const first = run('n1', { notebook: NOTEBOOK });
    const api = fakeApi(
      page([]),
      page([run('x', { notebook: '/root/other.ipynb' })]),
      page([first], null, 'c2'),
      page([first])
    );
    const model = new RunsModel(api.fetch);
    await model.setActiveNotebook(NOTEBOOK);
    expect(model.notebookShown).toBeNull();

    await model.pollChanges();
    expect(api.queries[3]).toMatchObject({ notebook: NOTEBOOK });
    expect(model.notebookShown).toBe(NOTEBOOK);
    expect(model.runs.map(r => r.run_id)).toEqual(['n1']);
  });

  it('does not fall back to all runs when filters explain the empty list', async () => {
    const api = fakeApi(page([]));
    const model = new RunsModel(api.fetch);
    await model.setFilters({ status: 'crashed' });
    await model.setActiveNotebook(NOTEBOOK).catch(() => undefined);

    expect(api.queries[0]).toMatchObject({ status: 'crashed' });
  });

  it('queries every notebook in the `all` scope', async () => {
    const api = fakeApi(page([run('a')]), page([run('a')]));
    const model = new RunsModel(api.fetch);
    await model.setFilters({ scope: 'all' });
    await model.setActiveNotebook(NOTEBOOK);

    expect(api.fetch).toHaveBeenCalledTimes(1);
    expect(api.queries[0].notebook).toBeUndefined();
  });

  it('passes search, status, tag, experiment and sort to the server', async () => {
    const api = fakeApi(page([]));
    const model = new RunsModel(api.fetch);
    await model.setFilters({
      scope: 'all',
      query: 'lr',
      status: 'failed',
      tag: 'team=risk',
      experiment: 'churn',
      sort: '-metrics.acc'
    });
    expect(api.queries[0]).toMatchObject({
      q: 'lr',
      status: 'failed',
      tag: ['team=risk'],
      experiment: 'churn',
      sort: '-metrics.acc'
    });
  });

  it('keeps only the answer of the latest reload', async () => {
    let release: (p: IRunPage) => void = () => undefined;
    const slow = new Promise<IRunPage>(resolve => (release = resolve));
    const fetch = jest
      .fn<Promise<IRunPage>, [IRunQuery]>()
      .mockReturnValueOnce(slow)
      .mockResolvedValueOnce(page([run('new')]));
    const model = new RunsModel(fetch);
    const first = model.setFilters({ scope: 'all', query: 'o' });
    await model.setFilters({ query: 'ne' });
    release(page([run('old')]));
    await first;

    expect(model.runs.map(r => r.run_id)).toEqual(['new']);
  });

  it('pages on with the cursor, skipping runs it already has', async () => {
    const api = fakeApi(page([run('c'), run('b')], 'next'), page([run('b'), run('a')]));
    const model = new RunsModel(api.fetch);
    await model.setFilters({ scope: 'all' });
    expect(model.hasMore).toBe(true);

    await Promise.all([model.loadMore(), model.loadMore()]);

    expect(api.fetch).toHaveBeenCalledTimes(2);
    expect(api.queries[1].cursor).toBe('next');
    expect(model.runs.map(r => r.run_id)).toEqual(['c', 'b', 'a']);
    expect(model.hasMore).toBe(false);
  });

  it('keeps a request error and recovers on reload', async () => {
    const failure = new MlopsRequestError('server', 500, 'boom');
    const api = fakeApi(failure, page([run('a')]));
    const model = new RunsModel(api.fetch);
    await model.setFilters({ scope: 'all' });
    expect(model.status).toBe('error');
    expect(model.error).toBe(failure);

    await model.reload();
    expect(model.status).toBe('ready');
    expect(model.error).toBeNull();
  });
});

describe('RunsModel polling', () => {
  async function loaded(...more: IRunPage[]): Promise<{
    model: RunsModel;
    queries: IRunQuery[];
  }> {
    const api = fakeApi(page([run('b', { started: '2026-01-01T00:00:02Z' }), run('a')]), ...more);
    const model = new RunsModel(api.fetch);
    await model.setActiveNotebook(NOTEBOOK);
    return { model, queries: api.queries };
  }

  it('asks only for changes since the last answer', async () => {
    const { model, queries } = await loaded(page([], null, 'c2'), page([], null, 'c3'));
    await model.pollChanges();
    await model.pollChanges();
    expect(queries.slice(1).map(q => q.since)).toEqual(['c1', 'c2']);
  });

  it('inserts a new run in sort order and updates a changed one', async () => {
    const created = run('c', { started: '2026-01-01T00:00:03Z', status: 'running' });
    const { model } = await loaded(
      page([created], null, 'c2'),
      page([{ ...created, status: 'finished' }], null, 'c3')
    );
    const changes = jest.fn();
    model.changed.connect(changes);

    await model.pollChanges();
    expect(model.runs.map(r => r.run_id)).toEqual(['c', 'b', 'a']);
    expect(changes).toHaveBeenCalled();

    await model.pollChanges();
    expect(model.runs.map(r => [r.run_id, r.status])).toEqual([
      ['c', 'finished'],
      ['b', 'finished'],
      ['a', 'finished']
    ]);
  });

  it('drops deleted runs, runs of other notebooks and runs that stop matching', async () => {
    const { model } = await loaded(
      page([run('a', { deleted: true }), run('x', { notebook: '/root/other.ipynb' })], null, 'c2')
    );
    model.toggleSelected('a');
    await model.pollChanges();
    expect(model.runs.map(r => r.run_id)).toEqual(['b']);
    expect(model.selected).toEqual([]);
  });

  it('leaves runs that sort past the loaded pages to the page that holds them', async () => {
    const api = fakeApi(
      page([run('c', { started: '2026-01-01T00:00:03Z' })], 'more'),
      page([run('old', { started: '2025-01-01T00:00:00Z' })], null, 'c2')
    );
    const model = new RunsModel(api.fetch);
    await model.setFilters({ scope: 'all' });
    await model.pollChanges();
    expect(model.runs.map(r => r.run_id)).toEqual(['c']);
  });

  it('reloads instead of merging a full page of changes', async () => {
    const many = Array.from({ length: PAGE_SIZE }, (_, i) => run(`n${i}`));
    const { model, queries } = await loaded(page(many, null, 'c2'), page([run('z')]));
    await model.pollChanges();
    expect(queries[2].since).toBeUndefined();
    expect(model.runs.map(r => r.run_id)).toEqual(['z']);
  });

  it('polls nothing before the first load', async () => {
    const api = fakeApi();
    await new RunsModel(api.fetch).pollChanges();
    expect(api.fetch).not.toHaveBeenCalled();
  });

  it('loads on first show and polls only while visible', async () => {
    jest.useFakeTimers();
    try {
      const api = fakeApi(page([run('a')]), ...Array.from({ length: 20 }, () => page([])));
      const model = new RunsModel(api.fetch);
      model.setVisible(true);
      await jest.advanceTimersByTimeAsync(3500);
      const whileVisible = api.fetch.mock.calls.length;
      expect(whileVisible).toBeGreaterThanOrEqual(3);
      expect(api.queries.slice(1).every(q => q.since !== undefined)).toBe(true);

      model.setVisible(false);
      await jest.advanceTimersByTimeAsync(5000);
      expect(api.fetch.mock.calls.length).toBe(whileVisible);
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('RunsModel selection', () => {
  it('toggles runs in and out, in selection order, and survives reloads', async () => {
    const api = fakeApi(page([run('a'), run('b')]), page([run('a')]));
    const model = new RunsModel(api.fetch);
    await model.setFilters({ scope: 'all' });
    model.toggleSelected('b');
    model.toggleSelected('a');
    expect(model.selected).toEqual(['b', 'a']);
    expect(model.isSelected('a')).toBe(true);

    await model.reload();
    expect(model.selected).toEqual(['b', 'a']);

    model.toggleSelected('b');
    expect(model.selected).toEqual(['a']);
    model.clearSelection();
    expect(model.selected).toEqual([]);
  });

  it('remembers experiments and metric names for the menus', async () => {
    const api = fakeApi(
      page([run('a', { experiment: 'z', metrics: { loss: 1 } }), run('b', { metrics: { acc: 1 } })])
    );
    const model = new RunsModel(api.fetch);
    await model.setFilters({ scope: 'all' });
    expect(model.experiments).toEqual(['default', 'z']);
    expect(model.metricNames).toEqual(['acc', 'loss']);
  });
});
