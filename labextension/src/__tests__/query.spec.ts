import {
  applySuggestion,
  ICatalog,
  parseQuery,
  suggest
} from '../experiments/models/query';

const catalog: ICatalog = {
  experiments: ['churn', 'fraud detection'],
  notebooks: ['/work/train.ipynb'],
  users: ['ann'],
  params: ['C', 'max_depth'],
  metrics: ['auc', 'val_accuracy', 'f1'],
  tags: ['team']
};

describe('parseQuery', () => {
  it('turns the issue example into REST filters', () => {
    const parsed = parseQuery(
      'metrics.auc > 0.9 and params.max_depth = 3 and tags.team = "risk"'
    );
    expect(parsed).toEqual({
      ok: true,
      query: { filter: ['metrics.auc>0.9', 'params.max_depth=3', 'tags.team=risk'] }
    });
  });

  it('sends run fields as their own parameters', () => {
    expect(parseQuery("experiment = 'fraud detection' AND status=failed")).toEqual({
      ok: true,
      query: { experiment: 'fraud detection', status: 'failed' }
    });
    expect(parseQuery('')).toEqual({ ok: true, query: {} });
  });

  it.each([
    ['metrics.auc >', 'expected a value after metrics.auc >', 13],
    ['metrics.auc 0.9', 'expected an operator', 12],
    ['accuracy > 0.9', 'unknown key “accuracy”', 0],
    ['metrics.auc > high', 'a metric is compared with a number', 14],
    ['tags.team > x', 'tags are compared with = or !=', 10],
    ['metrics.auc > 1 params.C = 1', 'expected “and”', 16],
    ['metrics.auc > 1 and', 'expected a condition after “and”', 19],
    ['experiment > a', 'experiment is compared with =', 11],
    ['tags.team = "risk', 'no closing quote', 12],
    ['status = done', 'status is one of', 9]
  ])('explains %j', (text, message, start) => {
    const parsed = parseQuery(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.message).toContain(message);
      expect(parsed.error.start).toBe(start);
    }
  });
});

describe('suggest', () => {
  const labels = (text: string, cursor = text.length): string[] =>
    suggest(text, cursor, catalog).map(s => s.label);

  it('offers keys from the whole catalog, prefix matches first', () => {
    expect(labels('acc')).toEqual(['metrics.val_accuracy']);
    expect(labels('metrics.')).toEqual(['metrics.auc', 'metrics.val_accuracy', 'metrics.f1']);
    expect(labels('')).toContain('params.max_depth');
  });

  it('offers the operators a key allows, then values, then and', () => {
    expect(labels('metrics.auc ')).toEqual(['=', '!=', '>', '>=', '<', '<=']);
    expect(labels('tags.team ')).toEqual(['=', '!=']);
    expect(labels('experiment = fr')).toEqual(['fraud detection']);
    expect(labels('metrics.auc > 0.9 ')).toEqual(['and']);
    expect(labels('metrics.auc > 0.9 and us')).toEqual(['user', 'status']);
  });

  it('inserts a completion in place and quotes values with spaces', () => {
    const [choice] = suggest('experiment = fr', 15, catalog);
    expect(applySuggestion('experiment = fr', choice)).toEqual({
      text: 'experiment = "fraud detection" ',
      cursor: 31
    });
  });
});
