import { alignDatasets, differs } from '../align';

describe('alignDatasets', () => {
  it('lines up datasets by role and name across runs', () => {
    const rows = alignDatasets([
      ['input:train=aaa', 'input:test=ccc'],
      ['input:train=bbb'],
      ['input:test=ccc', 'input:train=aaa']
    ]);
    expect(rows).toEqual([
      ['input:test', ['ccc', null, 'ccc']],
      ['input:train', ['aaa', 'bbb', 'aaa']]
    ]);
    expect(rows.map(([, values]) => differs(values))).toEqual([true, true]);
  });

  it('merges rows of the same data under different names into one', () => {
    const rows = alignDatasets([
      ['input:train=aaa', 'input:test=ccc'],
      ['input:training=aaa', 'input:holdout=ddd']
    ]);
    expect(rows).toEqual([
      ['input:holdout', [null, 'ddd']],
      ['input:test', ['ccc', null]],
      ['input:train / input:training', ['aaa', 'aaa']]
    ]);
    expect(differs(rows[2][1])).toBe(false);
  });

  it('keeps one run using the same data twice as two rows', () => {
    expect(alignDatasets([['input:a=fp', 'input:b=fp'], ['input:a=fp']])).toEqual([
      ['input:a', ['fp', 'fp']],
      ['input:b', ['fp', null]]
    ]);
  });

  it('keeps names that contain = intact', () => {
    expect(alignDatasets([['input:a=b=fp'], ['input:a=b=fp']])).toEqual([
      ['input:a=b', ['fp', 'fp']]
    ]);
  });
});

describe('differs', () => {
  it('is false when every run has the same value', () => {
    expect(differs(['1', '1', '1'])).toBe(false);
    expect(differs([0.5, 0.5])).toBe(false);
    expect(differs(['1', null])).toBe(true);
  });
});
