/**
 * What a lineage warning means for the run. The kernel records each warning
 * as a sentence saying what happened (which cell, which name); this adds why
 * it matters, for the kinds it knows. Unknown kinds get no addition.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

interface IExplanation {
  /** Matched against the recorded warning. */
  pattern: RegExp;
  explain: (trans: TranslationBundle) => string;
}

const EXPLANATIONS: IExplanation[] = [
  {
    pattern: /since been changed|edited/i,
    explain: trans =>
      trans.__(
        'The notebook no longer shows the code that produced this run; the code recorded below is what actually ran.'
      )
  },
  {
    pattern: /out of notebook order|out of order/i,
    explain: trans =>
      trans.__(
        'Run top to bottom, the notebook would execute these cells in another order and may not give the same result.'
      )
  },
  {
    pattern: /earlier run of the same cell/i,
    explain: trans =>
      trans.__(
        'The cell fed on its own previous output: running it once, as a fresh run of the notebook does, gives something else.'
      )
  },
  {
    pattern: /cannot be analysed|not on record/i,
    explain: trans =>
      trans.__(
        'Part of how this run was made is unknown, so it cannot be rebuilt from the recorded cells alone.'
      )
  }
];

/** Why `warning` matters, or null when its kind is not known. */
export function explainWarning(
  warning: string,
  trans: TranslationBundle
): string | null {
  const known = EXPLANATIONS.find(entry => entry.pattern.test(warning));
  return known ? known.explain(trans) : null;
}
