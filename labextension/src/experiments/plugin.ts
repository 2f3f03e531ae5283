/**
 * The Experiments view's plugin: its command (palette, launcher, a button in
 * the sidebar's toolbar), saving the view in JupyterLab's state database,
 * reopening after a reload, and deep links:
 *
 *   /lab?mlops-view=<view>      the Experiments view on a query, columns, chart
 *   /lab?mlops-run=<run id>     a run's details
 *   /lab?mlops-compare=<a>,<b>  a comparison
 *
 * Links go through JupyterLab's router, so they work with any workspace URL.
 */
import {
  ILayoutRestorer,
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ILauncher } from '@jupyterlab/launcher';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandToolbarButton, ReactWidget, SidePanel } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';
import React from 'react';

import { mlopsIcon } from '../icons';
import { IMlopsModel, SIDEBAR_ID } from '../tokens';
import { ExperimentsView } from './components/ExperimentsView';
import { ExperimentsModel, IExperimentsState } from './models/experiments';
import { decodeView, encodeView } from './models/view';

export const EXPERIMENTS_ID = 'jupyter-mlops-experiments';
const STATE_KEY = 'jupyter-mlops:experiments';
/** Saving waits for the user to pause, so typing does not write on every key. */
const SAVE_DELAY_MS = 300;

export namespace ExperimentsCommandIDs {
  export const open = 'jupyter-mlops:open-experiments';
  export const link = 'jupyter-mlops:copy-experiments-link';
  export const route = 'jupyter-mlops:open-link';
  /** Registered by the main plugin (index.ts). */
  export const openRun = 'jupyter-mlops:open-run';
  export const compare = 'jupyter-mlops:compare-runs';
}

/** A link that opens JupyterLab with `parameter=value`. */
export function deepLink(parameter: string, value: string): string {
  const lab = URLExt.join(PageConfig.getOption('baseUrl') || '/', 'lab');
  return `${window.location.origin}${lab}?${parameter}=${encodeURIComponent(value)}`;
}

export const experimentsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:experiments',
  description: 'The Experiments view: query, table, charts, saved views and deep links.',
  autoStart: true,
  requires: [IMlopsModel],
  optional: [ITranslator, ICommandPalette, ILauncher, IStateDB, IRouter, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    _mlops: IMlopsModel,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    state: IStateDB | null,
    router: IRouter | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyter_mlops');
    const { commands, shell } = app;
    const model = new ExperimentsModel();
    const tracker = new WidgetTracker<MainAreaWidget>({ namespace: EXPERIMENTS_ID });
    // A page opened on a link restores the link's view, so its rows load once (not the
    // saved view's first, then the link's).
    const linked = new URLSearchParams(window.location.search).get('mlops-view');
    const withLink = (saved: IExperimentsState | null | undefined) =>
      linked === null ? saved : { ...saved, current: decodeView(linked) };
    // The state database holds the workspace's data once the layout is restored.
    const restored: Promise<void> = state
      ? app.restored
          .then(() => state.fetch(STATE_KEY))
          .then(value => model.restore(withLink(value as unknown as IExperimentsState | undefined)))
          .catch(() => model.restore(withLink(null)))
      : model.restore(withLink(null));
    let saveTimer = 0;
    model.stateChanged.connect((_, value) => {
      window.clearTimeout(saveTimer);
      saveTimer = window.setTimeout(
        () => void state?.save(STATE_KEY, value as unknown as ReadonlyPartialJSONValue),
        SAVE_DELAY_MS
      );
    });

    const open = async (): Promise<MainAreaWidget> => {
      let widget = tracker.find(w => w.id === EXPERIMENTS_ID);
      if (!widget) {
        const content = ReactWidget.create(
          React.createElement(ExperimentsView, {
            model,
            trans,
            onOpen: runId => void commands.execute(ExperimentsCommandIDs.openRun, { runId }),
            onCompare: runIds =>
              void commands.execute(ExperimentsCommandIDs.compare, { runIds }),
            onCopyLink: () => void commands.execute(ExperimentsCommandIDs.link),
            askName: async () => {
              const answer = await InputDialog.getText({
                title: trans.__('Save this view as'),
                placeholder: trans.__('e.g. best churn models')
              });
              return answer.button.accept && answer.value?.trim() ? answer.value.trim() : null;
            }
          })
        );
        content.addClass('jp-mlops-ExperimentsContent');
        widget = new MainAreaWidget({ content });
        widget.id = EXPERIMENTS_ID;
        widget.title.label = trans.__('Experiments');
        widget.title.icon = mlopsIcon;
        widget.title.closable = true;
        void tracker.add(widget);
        shell.add(widget, 'main');
        void model.refreshCatalog();
      }
      shell.activateById(widget.id);
      return widget;
    };

    commands.addCommand(ExperimentsCommandIDs.open, {
      label: args => (args.isLauncher ? trans.__('Experiments') : trans.__('Open Experiments View')),
      caption: trans.__('Query, compare and chart every recorded run'),
      icon: mlopsIcon,
      execute: async () => {
        await open();
      }
    });
    commands.addCommand(ExperimentsCommandIDs.link, {
      label: trans.__('Copy Link to This Experiments View'),
      execute: () => {
        const link = deepLink('mlops-view', encodeView(model.view));
        Clipboard.copyToSystem(link);
        Notification.success(trans.__('Link copied: %1', link), { autoClose: 4000 });
        return link;
      }
    });
    commands.addCommand(ExperimentsCommandIDs.route, {
      execute: async args => {
        const search = new URLSearchParams(String((args as IRouter.ILocation).search ?? ''));
        await app.restored;
        const view = search.get('mlops-view');
        const run = search.get('mlops-run');
        const compare = search.get('mlops-compare');
        if (view !== null) {
          await open();
          await restored; // A link's view wins over the one saved before.
          await model.setView(decodeView(view));
        }
        if (run) {
          await commands.execute(ExperimentsCommandIDs.openRun, { runId: run });
        }
        if (compare) {
          await commands.execute(ExperimentsCommandIDs.compare, {
            runIds: compare.split(',').filter(Boolean)
          });
        }
      }
    });
    router?.register({
      command: ExperimentsCommandIDs.route,
      pattern: /[?&]mlops-(view|run|compare)=/
    });

    palette?.addItem({ command: ExperimentsCommandIDs.open, category: 'MLOps' });
    palette?.addItem({ command: ExperimentsCommandIDs.link, category: 'MLOps' });
    launcher?.add({
      command: ExperimentsCommandIDs.open,
      category: 'Other',
      rank: 1,
      args: { isLauncher: true }
    });
    const sidebar = Array.from(shell.widgets('left')).find(w => w.id === SIDEBAR_ID);
    (sidebar instanceof SidePanel ? sidebar : null)?.toolbar.addItem(
      'experiments',
      new CommandToolbarButton({
        commands,
        id: ExperimentsCommandIDs.open,
        label: trans.__('Experiments')
      })
    );
    void restorer?.restore(tracker, {
      command: ExperimentsCommandIDs.open,
      name: () => EXPERIMENTS_ID
    });
  }
};
