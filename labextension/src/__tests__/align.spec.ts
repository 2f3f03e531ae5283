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
