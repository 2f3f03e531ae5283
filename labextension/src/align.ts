/**
 * Lining up several runs' values key by key, for the comparison page.
 */

export type Cell = string | number | null;

/** One aligned row: a key and its value in each run. */
export type AlignedRow = [string, Cell[]];

/**
 * Dataset lines (`role:name=fingerprint`, one list per run) as rows keyed by
 * `role:name`, with each run's fingerprint (null when the run lacks it).
 * The same data under another name is the same dataset: rows that no run
 * has both of and that share a fingerprint become one row (`a / b`).
 */
export function alignDatasets(perRun: string[][]): AlignedRow[] {
  return mergeSameData(alignByName(perRun));
}

function alignByName(perRun: string[][]): AlignedRow[] {
  const rows = new Map<string, Cell[]>();
  perRun.forEach((entries, run) => {
    for (const entry of entries) {
      const split = entry.lastIndexOf('=');
      const key = split < 0 ? entry : entry.slice(0, split);
      const fingerprint = split < 0 ? '' : entry.slice(split + 1);
      if (!rows.has(key)) {
        rows.set(key, perRun.map(() => null));
      }
      rows.get(key)![run] = fingerprint;
    }
  });
  return [...rows.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function mergeSameData(rows: AlignedRow[]): AlignedRow[] {
  const merged: AlignedRow[] = [];
  for (const [key, values] of rows) {
    const same = merged.find(
      ([, kept]) =>
        kept.every((value, run) => value === null || values[run] === null) &&
        kept.some(value => value !== null && values.includes(value))
    );
    if (same) {
      same[0] = `${same[0]} / ${key}`;
      values.forEach((value, run) => {
        if (value !== null) {
          same[1][run] = value;
        }
      });
    } else {
      merged.push([key, [...values]]);
    }
  }
  return merged;
}

/** Whether the values of a row are not all the same. */
export function differs(values: Cell[]): boolean {
  return values.some(value => value !== values[0]);
}
