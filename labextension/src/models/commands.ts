/**
 * The "Package and register model" command: the run details button, a run
 * row's button and its context menu all run it; it opens the packaging
 * dialog and afterwards shows the new version in the Models section.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';

import { modelType } from '../runbits';
import type { RunsModel } from '../runs';
import { SIDEBAR_ID } from '../tokens';
import type { IRegistryAPI } from './api';
import { packageRun } from './dialog';
import type { RegistryModel } from './registry';

export const PACKAGE_COMMAND = 'jupyter-mlops:package-run';

/** Elements that carry a run id for the context menu (one selector per menu item). */
const RUN_SELECTORS = ['.jp-mlops-RunRow[data-run-id]', '.jp-mlops-Details[data-run-id]'];

export function addPackaging(
  app: JupyterFrontEnd,
  api: IRegistryAPI,
  registry: RegistryModel,
  runs: RunsModel,
  trans: TranslationBundle
): void {
  /** The run the command is for: its argument, else the one right-clicked. */
  const runIdOf = (args: { runId?: unknown }): string | null =>
    typeof args.runId === 'string'
      ? args.runId
      : (app.contextMenuHitTest(node => RUN_SELECTORS.some(selector => node.matches(selector)))?.dataset.runId ?? null);

  app.commands.addCommand(PACKAGE_COMMAND, {
    label: trans.__('Package and Register Model…'),
    caption: trans.__('Package the run’s model with its training code, data fingerprints and requirements, and register it as a model version'),
    // Runs listed in the sidebar say whether they hold a model; others (a details page opened later) are asked.
    isVisible: args => {
      const runId = runIdOf(args);
      const run = runs.runs.find(candidate => candidate.run_id === runId);
      return runId !== null && (run === undefined || modelType(run) !== null);
    },
    execute: async args => {
      const runId = runIdOf(args);
      if (runId === null) {
        return;
      }
      const runName =
        typeof args.runName === 'string'
          ? args.runName
          : (runs.runs.find(run => run.run_id === runId)?.name ?? runId);
      const { version, show } = await packageRun({
        runId,
        runName,
        api,
        knownNames: registry.names,
        trans
      });
      if (version) {
        await registry.reveal(version.name, version.version);
        if (show) {
          app.shell.activateById(SIDEBAR_ID);
        }
      }
    }
  });
  for (const selector of RUN_SELECTORS) {
    app.contextMenu.addItem({ command: PACKAGE_COMMAND, selector, rank: 10 });
  }
}
