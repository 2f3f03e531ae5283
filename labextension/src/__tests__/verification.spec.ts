import { describeDifference, verificationLabel, verificationSummary } from '../models/verification';
import { trans } from './fixtures';

describe('verification wording', () => {
  it('labels every status', () => {
    expect(verificationLabel('unverified', trans)).toBe('unverified');
    expect(verificationLabel('reproduced', trans)).toBe('reproduced');
    expect(verificationLabel('not_reproduced', trans)).toBe('not reproduced');
    expect(verificationLabel('failed', trans)).toBe('verify failed');
  });

  it('says which metric moved by how much', () => {
    expect(
      describeDifference({ kind: 'metric', name: 'accuracy', expected: 0.91, actual: 0.875 }, trans)
    ).toBe('metric accuracy: 0.91 → 0.875 (-0.035)');
  });

  it('names the changed dataset and the differing package', () => {
    expect(
      describeDifference({ kind: 'dataset', name: 'train', expected: 'ab12', actual: 'cd34', detail: 'train.csv changed' }, trans)
    ).toBe('dataset train: fingerprint changed — train.csv changed');
    expect(
      describeDifference({ kind: 'package', name: 'scikit-learn', expected: '1.5.0', actual: '1.6.1' }, trans)
    ).toBe('package scikit-learn: 1.5.0 → 1.6.1');
  });

  it('lists every difference under the status', () => {
    const summary = verificationSummary(
      {
        status: 'not_reproduced',
        differences: [
          { kind: 'dataset', name: 'train' },
          { kind: 'metric', name: 'f1', expected: 0.5, actual: 0.6 }
        ]
      },
      trans
    );
    expect(summary.split('\n')).toEqual([
      'not reproduced',
      'dataset train: fingerprint changed',
      'metric f1: 0.5 → 0.6 (+0.1)'
    ]);
  });
});
