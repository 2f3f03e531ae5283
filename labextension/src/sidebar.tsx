/**
 * The left sidebar panel: a header with the connection to the server
 * extension, then the collapsible Runs and Models sections. It only renders
 * the models; fetching and state transitions live in `model.ts`, `runs.ts`
 * and `models/registry.ts`.
 */
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  PanelWithToolbar,
  ReactWidget,
  refreshIcon,
  SidePanel,
  ToolbarButton,
  UseSignal
} from '@jupyterlab/ui-components';
import { AccordionPanel } from '@lumino/widgets';
import React from 'react';

import { ErrorView } from './errors';
import { mlopsIcon } from './icons';
import { ModelsPanel } from './models/panel';
import type { RegistryModel } from './models/registry';
import { IRunListProps, RunsView } from './runlist';
import type { RunsModel } from './runs';
import type { IRunSummary } from './schema';
import { IMlopsModel, SIDEBAR_ID } from './tokens';

export interface ISidebarOptions {
  model: IMlopsModel;
  runs: RunsModel;
  trans: TranslationBundle;
  translator: ITranslator;
  onOpen: (runId: string) => void;
  onCompare: (runIds: string[]) => void;
  onPackage: (run: IRunSummary) => void;
  registry: RegistryModel;
}

export class MlopsSidebar extends SidePanel {
  constructor(options: ISidebarOptions) {
    const { model, runs, trans } = options;
    super({ translator: options.translator });
    this.id = SIDEBAR_ID;
    this.addClass('jp-mlops-Sidebar');
    this.title.icon = mlopsIcon;
    this.title.caption = trans.__('MLOps');
    this._runs = runs;

    this.header.addWidget(
      ReactWidget.create(
        <UseSignal signal={model.changed}>
          {() => <Header model={model} trans={trans} />}
        </UseSignal>
      )
    );
    const runsView = ReactWidget.create(
      <UseSignal signal={model.changed}>
        {() => (
          <UseSignal signal={runs.changed}>
            {() => <RunsSection {...options} />}
          </UseSignal>
        )}
      </UseSignal>
    );
    runsView.addClass('jp-mlops-RunsView');
    // A section with a toolbar shows it in its title bar, as JupyterLab's debugger does.
    const runsSection = new PanelWithToolbar();
    runsSection.addClass('jp-mlops-RunsSection');
    runsSection.title.label = trans.__('Runs');
    runsSection.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh runs'),
        onClick: () => {
          void model.refresh();
          void runs.reload();
        }
      })
    );
    runsSection.addWidget(runsView);
    this.addWidget(runsSection);

    const modelsSection = new ModelsPanel({
      registry: options.registry,
      trans,
      onOpenRun: options.onOpen
    });
    modelsSection.title.label = trans.__('Models');
    this.addWidget(modelsSection);
    this._giveRunsTheHeight();
  }

  protected override onAfterShow(): void {
    this._runs.setVisible(true);
    // Shown by the layout restorer after a reload, the accordion has split
    // the height evenly by then: apply the Runs-first split once more.
    if (!this._sizedWhenShown) {
      this._sizedWhenShown = true;
      requestAnimationFrame(() => this._giveRunsTheHeight());
    }
  }

  /** The run list is what people come for: give it most of the height. */
  private _giveRunsTheHeight(): void {
    (this.content as AccordionPanel).setRelativeSizes([4, 1]);
  }

  protected override onAfterHide(): void {
    this._runs.setVisible(false);
  }

  private _runs: RunsModel;
  private _sizedWhenShown = false;
}

function Header({
  model,
  trans
}: {
  model: IMlopsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { health, status } = model;
  return (
    <header className="jp-mlops-Header" data-state={status}>
      <mlopsIcon.react tag="span" className="jp-mlops-HeaderIcon" />
      <h2 className="jp-mlops-Title">{trans.__('Jupyter MLOps')}</h2>
      {health && (
        <span className="jp-mlops-Facts" data-testid="mlops-health">
          <span data-testid="mlops-version">{health.version}</span>
          <span data-testid="mlops-store-kind">{health.store.kind}</span>
          <span
            className="jp-mlops-StoreLocation"
            data-testid="mlops-store-location"
            title={trans.__('Store: %1', health.store.location)}
          >
            {/* Isolated from the box's right-to-left ellipsis, which would move a leading / to the end. */}
            <bdi>{health.store.location}</bdi>
          </span>
        </span>
      )}
    </header>
  );
}

/** The runs, unless the server extension itself cannot be reached. */
function RunsSection(props: ISidebarOptions): JSX.Element {
  const { model, runs, trans } = props;
  if (model.status === 'error' && model.error) {
    return (
      <div className="jp-mlops-Runs">
        <ErrorView
          error={model.error}
          trans={trans}
          onRetry={() => {
            void model.refresh();
            void runs.reload();
          }}
        />
      </div>
    );
  }
  const listProps: IRunListProps = { ...props, model: runs };
  return <RunsView {...listProps} />;
}
