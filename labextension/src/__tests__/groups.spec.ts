import { tableRows } from '../experiments/models/columns';
import { ExperimentsModel } from '../experiments/models/experiments';
import type { IRunGroups } from '../experiments/api';
import { EMPTY_CATALOG } from '../experiments/models/query';
import type { IRunQuery } from '../request';
import { page, run } from './fixtures';

const GROUPS: IRunGroups = {
  group: 'experiment',
  groups: [
    { value: 'fraud', count: 60000 },
    { value: null, count: 3 }
  ],
  total: 60003,
  truncated: false
};

/** A model over fake pages: each runs request answers two runs named after its group. */
function grouped(): { model: ExperimentsModel; queries: IRunQuery[] } {
  const queries: IRunQuery[] = [];
  const fetchPage = async (query: IRunQuery) => {
    queries.push(query);
    const tag = query.group_value ?? (query.group_missing ? 'none' : 'all');
    const n = queries.length;
    return { ...page([run(`${tag}-${n}a`), run(`${tag}-${n}b`)], `c${n}`), total: 9 };
  };
  const fetchGroups = async (query: IRunQuery, by: string) => {
    queries.push({ ...query, group: `by:${by}` });
    return GROUPS;
  };
  return { model: new ExperimentsModel(fetchPage, async () => EMPTY_CATALOG, fetchGroups), queries };
}

describe('grouped Experiments table', () => {
  // jsdom has no User Timing measures (timing.ts records them).
  beforeAll(() => {
    performance.measure ??= (() => undefined) as unknown as Performance['measure'];
  });

  it('shows the server’s groups with their true counts, collapsed', async () => {
    const { model, queries } = grouped();
    await model.restore({ current: { group: 'experiment', query: 'metrics.auc > 0.9' } as any });
    expect(queries.find(q => q.group === 'by:experiment')).toMatchObject({
      filter: ['metrics.auc>0.9']
    });
    const rows = tableRows(model.runs, model.groups!.groups, true);
    expect(rows.map(r => (r.kind === 'group' ? [r.group.value, r.group.count] : r.kind))).toEqual([
      ['fraud', 60000],
      [null, 3]
    ]);
  });

  it('expands a group by paging that group’s own runs in the view’s sort', async () => {
    const { model, queries } = grouped();
    await model.restore({ current: { group: 'experiment', sort: '-metrics.auc' } as any });
    const groups = model.groups!;
    await groups.toggle('fraud');
    expect(queries[queries.length - 1]).toMatchObject({
      group: 'experiment',
      group_value: 'fraud',
      sort: '-metrics.auc',
      limit: 500
    });
    await groups.loadMore('fraud');
    expect(queries[queries.length - 1].cursor).toBe(`c${queries.length - 1}`);
    await groups.toggle(null);
    expect(queries[queries.length - 1]).toMatchObject({ group: 'experiment', group_missing: 'true' });
    const kinds = tableRows(model.runs, groups.groups, true).map(r => r.kind);
    // fraud: header, 4 runs, more (4 of 60,000); missing: header, 2 runs, more (2 of 3).
    expect(kinds).toEqual(['group', 'run', 'run', 'run', 'run', 'more', 'group', 'run', 'run', 'more']);
    await groups.toggle('fraud');
    expect(tableRows(model.runs, groups.groups, true).map(r => r.kind)).toEqual([
      'group', 'group', 'run', 'run', 'more'
    ]);
  });

  it('drops the groups when the grouping is cleared', async () => {
    const { model } = grouped();
    await model.restore({ current: { group: 'experiment' } as any });
    await model.setView({ group: '' });
    expect(model.groups).toBeNull();
    expect(tableRows(model.runs, null, false).map(r => r.kind)).toEqual(['run', 'run']);
  });
});
