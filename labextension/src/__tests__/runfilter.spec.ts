import {
  asFilters,
  DEFAULT_FILTERS,
  IRunFilters,
  isUnfiltered,
  keyMetrics,
  matches,
  notebookKey,
  runComparator,
  toQuery
} from '../runfilter';
import { run } from './fixtures';

const filters = (over: Partial<IRunFilters> = {}): IRunFilters => ({
  ...DEFAULT_FILTERS,
  ...over
});

describe('matches', () => {
  it('keeps runs of the shown notebook only', () => {
    expect(matches(run('a'), filters(), '/root/train.ipynb')).toBe(true);
    expect(matches(run('a'), filters(), '/root/other.ipynb')).toBe(false);
    expect(matches(run('a'), filters(), null)).toBe(true);
  });

  it('applies status, experiment and name search', () => {
    const r = run('a', { name: 'Baseline LR', status: 'failed', experiment: 'churn' });
    expect(matches(r, filters({ status: 'failed' }), null)).toBe(true);
    expect(matches(r, filters({ status: 'finished' }), null)).toBe(false);
    expect(matches(r, filters({ experiment: 'churn' }), null)).toBe(true);
    expect(matches(r, filters({ experiment: 'other' }), null)).toBe(false);
    expect(matches(r, filters({ query: ' baseline ' }), null)).toBe(true);
    expect(matches(r, filters({ query: 'xgb' }), null)).toBe(false);
  });

  it('understands `key` and `key=value` tag filters', () => {
    const r = run('a', { tags: { team: 'risk', url: 'a=b' } });
    expect(matches(r, filters({ tag: 'team' }), null)).toBe(true);
    expect(matches(r, filters({ tag: 'team=risk' }), null)).toBe(true);
    expect(matches(r, filters({ tag: 'team=ops' }), null)).toBe(false);
    expect(matches(r, filters({ tag: 'url=a=b' }), null)).toBe(true);
    expect(matches(r, filters({ tag: 'owner' }), null)).toBe(false);
  });

  it('never shows deleted runs', () => {
    expect(matches(run('a', { deleted: true }), filters(), null)).toBe(false);
  });
});

describe('asFilters', () => {
  it('keeps the saved fields of the right type and defaults the rest', () => {
    expect(
      asFilters({ experiment: 'churn', sort: 'metrics.auc', status: 'bogus', scope: 7, x: 1 })
    ).toEqual({ ...DEFAULT_FILTERS, experiment: 'churn', sort: 'metrics.auc' });
    expect(asFilters(null)).toEqual(DEFAULT_FILTERS);
    expect(asFilters({ scope: 'all', status: 'failed' })).toEqual({
      ...DEFAULT_FILTERS,
      scope: 'all',
      status: 'failed'
    });
  });
});

describe('toQuery', () => {
  it('sends only what is set', () => {
    expect(toQuery(filters(), null)).toEqual({
      notebook: undefined,
      experiment: undefined,
      status: undefined,
      tag: undefined,
      q: undefined,
      sort: '-started'
    });
    expect(
      toQuery(filters({ tag: ' team=risk ', query: 'lr', status: 'crashed' }), '/nb.ipynb')
    ).toMatchObject({ notebook: '/nb.ipynb', tag: ['team=risk'], q: 'lr', status: 'crashed' });
  });

  it('tells filters apart from the scope', () => {
    expect(isUnfiltered(filters({ scope: 'all' }))).toBe(true);
    expect(isUnfiltered(filters({ tag: 'x' }))).toBe(false);
  });
});

describe('runComparator', () => {
  const a = run('a', { started: '2026-01-01T00:00:01Z', metrics: { acc: 0.9 }, params: { C: '10' } });
  const b = run('b', { started: '2026-01-01T00:00:02Z', metrics: { acc: 0.8 }, params: { C: '9' } });
  const c = run('c', { started: '2026-01-01T00:00:03Z', metrics: {}, params: {} });
  const ids = (sort: string): string[] =>
    [a, b, c].sort(runComparator(sort)).map(r => r.run_id);

  it('sorts newest first by default', () => {
    expect(ids('-started')).toEqual(['c', 'b', 'a']);
    expect(ids('started')).toEqual(['a', 'b', 'c']);
  });

  it('sorts by a metric with missing values last either way', () => {
    expect(ids('-metrics.acc')).toEqual(['a', 'b', 'c']);
    expect(ids('metrics.acc')).toEqual(['b', 'a', 'c']);
  });

  it('compares numeric params as numbers', () => {
    expect(ids('params.C')).toEqual(['b', 'a', 'c']);
  });

  it('breaks ties by newest run id', () => {
    const x = run('x');
    const y = run('y');
    expect([x, y].sort(runComparator('name')).map(r => r.run_id)).toEqual(['x', 'y']);
    expect([x, y].sort(runComparator('experiment')).map(r => r.run_id)).toEqual(['y', 'x']);
  });
});

describe('keyMetrics', () => {
  it('puts the sorted-by metric first, then the others by name', () => {
    const r = run('a', { metrics: { loss: 0.2, acc: 0.9, f1: 0.7, auc: 0.8 } });
    expect(keyMetrics(r, '-metrics.loss').map(([name]) => name)).toEqual(['loss', 'acc', 'auc']);
    expect(keyMetrics(r, '-started', 2).map(([name]) => name)).toEqual(['acc', 'auc']);
  });
});

describe('notebookKey', () => {
  it('joins the server root and the notebook path', () => {
    expect(notebookKey('/home/me/work/', 'dir/a.ipynb')).toBe('/home/me/work/dir/a.ipynb');
    expect(notebookKey('', 'a.ipynb')).toBe('a.ipynb');
  });
});
