/**
 * JupyterLab entry point of jupyter_mlops: the sidebar (Runs and Models), the
 * run details and comparison pages, the track command (palette and notebook
 * toolbar) and the tracking status bar item.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { PageConfig } from '@jupyterlab/coreutils';
import { IStateDB } from '@jupyterlab/statedb';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { CommandToolbarButton } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CompareWidget } from './compare';
import { experimentsPlugin } from './experiments/plugin';
import { RunDetailsWidget } from './details';
import { mlopsIcon } from './icons';
import { MlopsModel } from './model';
import { serverRegistry } from './models/api';
import { addPackaging, PACKAGE_COMMAND } from './models/commands';
import { RegistryModel } from './models/registry';
import { notebookKey } from './runfilter';
import { RunsModel } from './runs';
import { MlopsSidebar } from './sidebar';
import { TrackingStatus } from './statusbar';
import { IMlopsModel } from './tokens';
import { trackKernel, TrackingModel } from './tracking';

export * from './tokens';

/** Sidebar rank: below JupyterLab's own left panels. */
const SIDEBAR_RANK = 900;
/** Page ids: the prefix names the kind of page, the rest what it shows. */
const RUN_PAGE = 'jupyter-mlops-run-';
const COMPARE_PAGE = 'jupyter-mlops-compare-';
/** State database key of the sidebar's filters and sort. */
const FILTERS_KEY = 'jupyter-mlops:sidebar-filters';

export namespace CommandIDs {
  export const track = 'jupyter-mlops:track-notebook';
  export const openRun = 'jupyter-mlops:open-run';
  export const compare = 'jupyter-mlops:compare-runs';
}

const plugin: JupyterFrontEndPlugin<IMlopsModel> = {
  id: 'jupyter-mlops:plugin',
  description: 'Sidebar, commands and status bar item for notebook-native experiment tracking.',
  autoStart: true,
  provides: IMlopsModel,
  // Optional so the plugin also loads in frontends without these services.
  optional: [
    ITranslator,
    ILayoutRestorer,
    ICommandPalette,
    INotebookTracker,
    IStatusBar,
    IEditorLanguageRegistry,
    IStateDB
  ],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    statusBar: IStatusBar | null,
    languages: IEditorLanguageRegistry | null,
    state: IStateDB | null
  ): IMlopsModel => {
    const translator_ = translator ?? nullTranslator;
    const trans = translator_.load('jupyter_mlops');
    const { commands, shell } = app;
    const model = new MlopsModel();
    const runs = new RunsModel();
    if (state) {
      keepFilters(app, state, runs);
    }
    const tracking = new TrackingModel();
    const registryAPI = serverRegistry();
    const registry = new RegistryModel(registryAPI);
    // The sidebar's refresh (and the first connection) reloads the registry too.
    model.changed.connect(() => {
      if (model.status === 'ready') {
        void registry.reload();
      }
    });
    addPackaging(app, registryAPI, registry, runs, trans);
    const onPackage = (run: { run_id: string; name: string }): void =>
      void commands.execute(PACKAGE_COMMAND, { runId: run.run_id, runName: run.name });

    // Tracked pages are reopened after a page reload, like notebooks are.
    const runPages = new WidgetTracker<MainAreaWidget>({ namespace: 'jupyter-mlops-run' });
    const comparePages = new WidgetTracker<MainAreaWidget>({
      namespace: 'jupyter-mlops-compare'
    });

    /** Bring an open page forward, or open a new one. */
    const showPage = (
      id: string,
      pages: WidgetTracker<MainAreaWidget>,
      create: () => MainAreaWidget
    ): void => {
      for (const widget of shell.widgets('main')) {
        if (widget.id === id) {
          shell.activateById(id);
          return;
        }
      }
      const page = create();
      page.id = id;
      page.title.icon = mlopsIcon;
      page.title.closable = true;
      void pages.add(page);
      shell.add(page, 'main');
      shell.activateById(id);
    };

    commands.addCommand(CommandIDs.openRun, {
      label: trans.__('Open Run Details'),
      execute: args => {
        const runId = String(args.runId);
        const name = runs.runs.find(run => run.run_id === runId)?.name ?? runId;
        showPage(RUN_PAGE + runId, runPages, () => {
          const content = new RunDetailsWidget(runId, {
            trans,
            languages,
            onEdited: run =>
              runs.merge([{ ...run, has_warnings: run.warnings.length > 0 }]),
            onShown: run => {
              page.title.label = run.name;
              page.title.caption = trans.__('Run %1', run.name);
            },
            onPackage
          });
          const page = new MainAreaWidget({ content });
          page.title.label = name;
          page.title.caption = trans.__('Run %1', name);
          return page;
        });
      }
    });

    commands.addCommand(CommandIDs.compare, {
      label: trans.__('Compare Selected Runs'),
      isEnabled: () => runs.selected.length >= 2,
      execute: args => {
        const runIds = Array.isArray(args.runIds)
          ? args.runIds.map(String)
          : runs.selected;
        showPage(COMPARE_PAGE + runIds.join('-'), comparePages, () => {
          const page = new MainAreaWidget({
            content: new CompareWidget(runIds, trans)
          });
          page.title.label = trans.__('Compare %1 runs', runIds.length);
          return page;
        });
      }
    });

    const sidebar = new MlopsSidebar({
      model,
      runs,
      trans,
      translator: translator_,
      onOpen: runId => void commands.execute(CommandIDs.openRun, { runId }),
      onCompare: runIds => void commands.execute(CommandIDs.compare, { runIds }),
      onPackage,
      registry
    });
    shell.add(sidebar, 'left', { rank: SIDEBAR_RANK });
    // Reopens the panel after a page reload if it was open.
    restorer?.add(sidebar, sidebar.id);
    if (restorer) {
      void restorer.restore(runPages, {
        command: CommandIDs.openRun,
        args: page => ({ runId: page.id.slice(RUN_PAGE.length) }),
        name: page => page.id
      });
      void restorer.restore(comparePages, {
        command: CommandIDs.compare,
        args: page => ({ runIds: page.id.slice(COMPARE_PAGE.length).split('-') }),
        name: page => page.id
      });
    }
    void model.refresh();

    if (notebooks) {
      addTracking(app, notebooks, runs, tracking, trans, palette, statusBar);
    }
    return model;
  }
};

/**
 * The sidebar's filters and sort survive a page reload: kept in the state
 * database (per workspace), restored once the layout is.
 */
function keepFilters(app: JupyterFrontEnd, state: IStateDB, runs: RunsModel): void {
  void app.restored
    .then(() => state.fetch(FILTERS_KEY))
    .then(saved => (saved ? runs.restoreFilters(saved) : undefined))
    .catch(() => undefined); // A state database that fails leaves the defaults.
  runs.filtersChanged.connect(
    (_, filters) => void state.save(FILTERS_KEY, filters as unknown as ReadonlyPartialJSONValue)
  );
}

/** The track command, its toolbar button, and following the active notebook. */
function addTracking(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  runs: RunsModel,
  tracking: TrackingModel,
  trans: TranslationBundle,
  palette: ICommandPalette | null,
  statusBar: IStatusBar | null
): void {
  const { commands } = app;
  const serverRoot = PageConfig.getOption('serverRoot');
  const follow = (panel: NotebookPanel | null): void => {
    void runs.setActiveNotebook(
      panel ? notebookKey(serverRoot, panel.context.path) : null
    );
    void tracking.setKernel(panel?.sessionContext.session?.kernel?.id ?? null);
  };
  notebooks.currentChanged.connect((_, panel) => {
    follow(panel);
    // Kernel restarts keep the id; a new kernel (or a rename) needs a new look.
    panel?.sessionContext.kernelChanged.connect(() => {
      if (notebooks.currentWidget === panel) {
        follow(panel);
      }
    });
    panel?.context.pathChanged.connect(() => {
      if (notebooks.currentWidget === panel) {
        follow(panel);
      }
    });
  });
  follow(notebooks.currentWidget);

  commands.addCommand(CommandIDs.track, {
    label: trans.__('Track Experiments in This Notebook'),
    caption: trans.__(
      'Load jupyter_mlops in the notebook’s kernel and record its cells as runs'
    ),
    icon: mlopsIcon,
    isEnabled: () => notebooks.currentWidget !== null && !tracking.isTracked,
    isToggled: () => tracking.isTracked,
    execute: async () => {
      const panel = notebooks.currentWidget;
      if (!panel) {
        return;
      }
      await panel.sessionContext.ready;
      const kernel = panel.sessionContext.session?.kernel;
      if (!kernel) {
        Notification.error(trans.__('This notebook has no running kernel to track.'));
        return;
      }
      try {
        await trackKernel(kernel);
        void tracking.confirmTracked(kernel.id);
        Notification.success(
          trans.__('Tracking %1: cells that log metrics, fit models or draw figures become runs.', panel.context.path),
          { autoClose: 4000 }
        );
      } catch (error) {
        Notification.error(
          trans.__('Could not start tracking: %1', (error as Error).message)
        );
      }
      follow(panel);
    }
  });
  // The toolbar button reads the same state as the status bar item.
  const trackChanged = (): void => commands.notifyCommandChanged(CommandIDs.track);
  tracking.changed.connect(trackChanged);
  notebooks.currentChanged.connect(trackChanged);
  palette?.addItem({ command: CommandIDs.track, category: 'MLOps' });

  app.docRegistry.addWidgetExtension('Notebook', {
    createNew: (panel: NotebookPanel) => {
      const button = new CommandToolbarButton({
        commands,
        id: CommandIDs.track,
        label: () =>
          notebooks.currentWidget === panel && tracking.isTracked
            ? trans.__('Tracked')
            : trans.__('Track')
      });
      button.addClass('jp-mlops-TrackButton');
      panel.toolbar.insertItem(10, 'jupyter-mlops-track', button);
      return button;
    }
  });

  if (statusBar) {
    const activeChanged = new Signal<INotebookTracker, void>(notebooks);
    notebooks.currentChanged.connect(() => activeChanged.emit());
    const item: Widget = new TrackingStatus(tracking, trans, () =>
      void commands.execute(CommandIDs.track)
    );
    statusBar.registerStatusItem('jupyter-mlops:tracking', {
      item,
      align: 'left',
      rank: 4,
      isActive: () => notebooks.currentWidget !== null,
      activeStateChanged: activeChanged
    });
  }
}

export default [plugin, experimentsPlugin];
