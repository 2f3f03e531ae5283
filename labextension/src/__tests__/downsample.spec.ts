import { lttb } from '../experiments/charts/downsample';

describe('lttb', () => {
  it('keeps every point when there are no more than asked', () => {
    expect(lttb([0, 1, 2], [5, 6, 7], 10)).toEqual([0, 1, 2]);
  });

  it('keeps as many points as asked, the first and the last, in order', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const ys = xs.map(x => Math.sin(x / 300));
    const kept = lttb(xs, ys, 500);
    expect(kept).toHaveLength(500);
    expect(kept[0]).toBe(0);
    expect(kept[kept.length - 1]).toBe(9_999);
    expect(kept.every((index, i) => i === 0 || index > kept[i - 1])).toBe(true);
  });

  it('keeps a one-step spike that an average would flatten', () => {
    const xs = Array.from({ length: 1_000 }, (_, i) => i);
    const ys = xs.map(x => (x === 637 ? 100 : 1));
    expect(lttb(xs, ys, 50)).toContain(637);
  });
});
