import type { TranslationBundle } from '@jupyterlab/translation';

import type { IRunPage, IRunSummary } from '../schema';

/** The untranslated bundle, with JupyterLab's `%1` placeholders filled in. */
export const trans = {
  __: (text: string, ...args: unknown[]) =>
    text.replace(/%(\d+)/g, (_, n: string) => String(args[Number(n) - 1]))
} as unknown as TranslationBundle;


/** A run summary with sensible defaults; override what a test is about. */
export function run(id: string, fields: Partial<IRunSummary> = {}): IRunSummary {
  return {
    run_id: id,
    name: `run ${id}`,
    experiment: 'default',
    notebook: '/root/train.ipynb',
    status: 'finished',
    started: '2026-01-01T00:00:00.000Z',
    duration_s: 1,
    params: {},
    metrics: {},
    tags: {},
    has_warnings: false,
    deleted: false,
    ...fields
  };
}

export function page(
  runs: IRunSummary[],
  next_cursor: string | null = null,
  change_cursor = 'c1'
): IRunPage {
  return { runs, next_cursor, change_cursor };
}
