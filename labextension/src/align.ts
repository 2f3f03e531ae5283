/**
 * Lining up several runs' values key by key, for the comparison page.
 */

export type Cell = string | number | null;

/** One aligned row: a key and its value in each run. */
export type AlignedRow = [string, Cell[]];

/**
 * Dataset lines (`role:name=fingerprint`, one list per run) as rows keyed by
 * `role:name`, with each run's fingerprint (null when the run lacks it).
 */
export function alignDatasets(perRun: string[][]): AlignedRow[] {
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

/** Whether the values of a row are not all the same. */
export function differs(values: Cell[]): boolean {
  return values.some(value => value !== values[0]);
}
