import { formatBytes, formatDuration, formatNumber, formatWhen, statusLook } from '../format';
import { explainWarning } from '../warnings';
import { trans } from './fixtures';

describe('format', () => {
  it('reads durations at every scale', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(4.26)).toBe('4.3 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
    expect(formatDuration(7380)).toBe('2 h 03 min');
  });

  it('shows metrics with four significant digits and NaN for null', () => {
    expect(formatNumber(0.912345)).toBe('0.9123');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.00001234)).toBe('1.234e-5');
    expect(formatNumber(null)).toBe('NaN');
  });

  it('says when a run started relative to now', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatWhen('2026-01-01T11:59:30Z', trans, now)).toBe('just now');
    expect(formatWhen('2026-01-01T11:15:00Z', trans, now)).toBe('45 min ago');
    expect(formatWhen('2026-01-01T09:00:00Z', trans, now)).toBe('3 h ago');
  });

  it('gives ok, error and crashed their own look', () => {
    expect(statusLook('finished')).toBe('ok');
    expect(statusLook('failed')).toBe('error');
    expect(statusLook('crashed')).toBe('crashed');
  });
});

describe('explainWarning', () => {
  it('says why each known kind of lineage warning matters', () => {
    expect(
      explainWarning('It depends on cell [3] (x = 1), whose code has since been changed and re-run as [7].', trans)
    ).toMatch(/no longer shows the code/);
    expect(
      explainWarning('Cells ran out of notebook order: cell [4] uses `df` from cell [9], which comes after it in the notebook.', trans)
    ).toMatch(/another order/);
    expect(explainWarning('Something new', trans)).toBeNull();
  });
});

describe('formatBytes', () => {
  it('reads memory sizes in human units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(16 * 2 ** 30)).toBe('16.0 GB');
    expect(formatBytes(3 * 2 ** 40)).toBe('3.0 TB');
  });
});
