/**
 * JupyterLab entry point of jupyter_mlops: creates the shared model and the
 * left sidebar that shows what the server extension reports.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { MlopsModel } from './model';
import { MlopsSidebar } from './sidebar';
import { IMlopsModel } from './tokens';

export * from './tokens';

/** Sidebar rank: below JupyterLab's own left panels. */
const SIDEBAR_RANK = 900;

const plugin: JupyterFrontEndPlugin<IMlopsModel> = {
  id: 'jupyter-mlops:plugin',
  description: 'Sidebar for notebook-native experiment tracking.',
  autoStart: true,
  provides: IMlopsModel,
  // Optional so the plugin also loads in frontends without these services.
  optional: [ITranslator, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null
  ): IMlopsModel => {
    const trans = (translator ?? nullTranslator).load('jupyter_mlops');
    const model = new MlopsModel();
    const sidebar = new MlopsSidebar(model, trans);

    app.shell.add(sidebar, 'left', { rank: SIDEBAR_RANK });
    // Reopens the panel after a page reload if it was open.
    restorer?.add(sidebar, sidebar.id);

    void model.refresh();
    return model;
  }
};

export default plugin;
