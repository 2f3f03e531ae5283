/**
 * A run's details page in the main area: what it logged, what it read, where
 * it ran, the cells it came from, and its editable name, notes and tags.
 */
import type { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { TranslationBundle } from '@jupyterlab/translation';
import { Button, closeIcon, ReactWidget } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useState } from 'react';

import { LineChart } from './chart';
import { CodeBlock } from './code';
import { ErrorView } from './errors';
import {
  formatBytes,
  formatDuration,
  formatNumber,
  formatTimestamp,
  statusLabel
} from './format';
import { KeyValueTable, Section } from './layout';
import {
  downloadFile,
  fetchArtifactURL,
  getMetricHistory,
  getRun,
  MlopsRequestError,
  updateRun,
  asRequestError
} from './request';
import { modelType, PackageButton, StatusIcon } from './runbits';
import { DatasetProfile } from './profile';
import type { IArtifact, IEnvironment, IRun, IRunDataset, IRunPatch } from './schema';
import { explainWarning } from './warnings';

export interface IDetailsDeps {
  trans: TranslationBundle;
  languages: IEditorLanguageRegistry | null;
  /** Called with the run after an edit, so lists can update at once. */
  onEdited: (run: IRun) => void;
  /** Called with the run whenever it is (re)loaded or edited: names the tab. */
  onShown: (run: IRun) => void;
  /** Opens the packaging dialog for the run. */
  onPackage: (run: IRun) => void;
}

/** Content of a run's main-area tab. */
export class RunDetailsWidget extends ReactWidget {
  constructor(
    readonly runId: string,
    private readonly deps: IDetailsDeps
  ) {
    super();
    this.addClass('jp-mlops-Page');
  }

  protected render(): JSX.Element {
    return <RunDetails runId={this.runId} {...this.deps} />;
  }
}

function RunDetails({
  runId,
  trans,
  languages,
  onEdited,
  onShown,
  onPackage
}: IDetailsDeps & { runId: string }): JSX.Element {
  const [run, setRun] = useState<IRun | null>(null);
  useEffect(() => {
    if (run) {
      onShown(run);
    }
  }, [run]);
  const [error, setError] = useState<MlopsRequestError | null>(null);
  const load = useCallback(() => {
    setError(null);
    getRun(runId).then(setRun, e => setError(asRequestError(e)));
  }, [runId]);
  useEffect(load, [load]);

  const save = async (patch: IRunPatch): Promise<void> => {
    const updated = await updateRun(runId, patch);
    setRun(updated);
    onEdited(updated);
  };

  if (error) {
    return <ErrorView error={error} trans={trans} onRetry={load} />;
  }
  if (!run) {
    return (
      <p className="jp-mlops-Loading" role="status">
        {trans.__('Loading run…')}
      </p>
    );
  }
  const metricNames = Object.keys(run.metrics).sort();
  const figures = run.artifacts.filter(a => a.media_type.startsWith('image/'));
  const files = run.artifacts.filter(a => !a.media_type.startsWith('image/'));
  return (
    <div className="jp-mlops-Details" data-testid="mlops-run-details" data-run-id={run.run_id}>
      <header className="jp-mlops-DetailsHeader">
        <StatusIcon status={run.status} trans={trans} />
        <EditableName name={run.name} trans={trans} onSave={name => save({ name })} />
        {modelType(run) !== null && (
          <PackageButton run={run} trans={trans} onPackage={() => onPackage(run)} />
        )}
      </header>
      <KeyValueTable
        rows={[
          [trans.__('Status'), statusLabel(run.status, trans)],
          [trans.__('Experiment'), run.experiment],
          [trans.__('Notebook'), run.notebook ?? '—'],
          [trans.__('Started'), formatTimestamp(run.started)],
          [trans.__('Duration'), formatDuration(run.duration_s)],
          [trans.__('User'), run.user ?? '—'],
          [trans.__('Run id'), run.run_id]
        ]}
      />
      {run.error && <pre className="jp-mlops-RunError">{run.error}</pre>}
      {run.warnings.length > 0 && (
        <Section title={trans.__('Lineage warnings')} testId="mlops-warnings">
          <ul className="jp-mlops-Warnings">
            {run.warnings.map(warning => (
              <li key={warning}>
                <span className="jp-mlops-WarningText">{warning}</span>{' '}
                <span className="jp-mlops-Muted">{explainWarning(warning, trans)}</span>
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Section title={trans.__('Params')} testId="mlops-params">
        <KeyValueTable rows={Object.entries(run.params).sort()} empty={trans.__('No params')} />
      </Section>
      <Section title={trans.__('Metrics')} testId="mlops-metrics">
        {metricNames.length === 0 && <p className="jp-mlops-Muted">{trans.__('No metrics')}</p>}
        <div className="jp-mlops-Charts">
          {metricNames.map(name => (
            <MetricChart key={name} runId={run.run_id} name={name} last={run.metrics[name]} />
          ))}
        </div>
      </Section>
      <Section title={trans.__('Datasets')} testId="mlops-datasets">
        {run.datasets.length === 0 && <p className="jp-mlops-Muted">{trans.__('No datasets')}</p>}
        {run.datasets.map(dataset => (
          <DatasetView key={`${dataset.dataset_id}:${dataset.name}`} dataset={dataset} trans={trans} />
        ))}
      </Section>
      {figures.length > 0 && (
        <Section title={trans.__('Figures')} testId="mlops-figures">
          <div className="jp-mlops-Figures">
            {figures.map(artifact => (
              <FigureView key={artifact.artifact_id} artifact={artifact} trans={trans} />
            ))}
          </div>
        </Section>
      )}
      {files.length > 0 && (
        <Section title={trans.__('Artifacts')} testId="mlops-artifacts">
          <KeyValueTable
            rows={files.map(a => [
              a.name,
              <>
                {`${a.media_type}, ${formatBytes(a.size)} `}
                <DownloadButton artifact={a} trans={trans} />
              </>
            ])}
          />
        </Section>
      )}
      <Section title={trans.__('Environment')} testId="mlops-environment">
        {run.environment ? (
          <EnvironmentView environment={run.environment} trans={trans} />
        ) : (
          <p className="jp-mlops-Muted">{trans.__('Not recorded')}</p>
        )}
      </Section>
      <Section title={trans.__('Code (lineage)')} testId="mlops-lineage">
        {run.lineage.length === 0 && (
          <p className="jp-mlops-Muted">{trans.__('No cells recorded for this run')}</p>
        )}
        {run.lineage.map((cell, index) => (
          <div key={cell.execution_id ?? index} className="jp-mlops-LineageCell">
            <span className="jp-mlops-Prompt">[{cell.execution_count ?? ' '}]:</span>
            <CodeBlock code={cell.code} languages={languages} />
          </div>
        ))}
      </Section>
      <Section title={trans.__('Notes')}>
        <NotesEditor notes={run.notes} trans={trans} onSave={notes => save({ notes })} />
      </Section>
      <Section title={trans.__('Tags')} testId="mlops-tags">
        <TagsEditor tags={run.tags} trans={trans} onSave={tags => save({ tags })} />
      </Section>
    </div>
  );
}

/** Outcome of a save, shown next to the field that was saved. */
function useSaver(
  save: (value: string) => Promise<void>
): [(value: string) => void, string | null] {
  const [failure, setFailure] = useState<string | null>(null);
  const run = (value: string): void => {
    setFailure(null);
    save(value).catch(e => setFailure(asRequestError(e).message));
  };
  return [run, failure];
}

function EditableName({
  name,
  trans,
  onSave
}: {
  name: string;
  trans: TranslationBundle;
  onSave: (name: string) => Promise<void>;
}): JSX.Element {
  const [text, setText] = useState(name);
  useEffect(() => setText(name), [name]);
  const [save, failure] = useSaver(onSave);
  const commit = (): void => {
    const trimmed = text.trim();
    if (!trimmed) {
      setText(name);
    } else if (trimmed !== name) {
      save(trimmed);
    }
  };
  return (
    <>
      <input
        className="jp-mlops-NameInput"
        data-testid="mlops-run-name"
        aria-label={trans.__('Run name')}
        value={text}
        maxLength={255}
        onChange={event => setText(event.target.value)}
        onBlur={commit}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            event.currentTarget.blur();
          } else if (event.key === 'Escape') {
            setText(name);
          }
        }}
      />
      {failure && <span className="jp-mlops-InlineError" role="alert">{failure}</span>}
    </>
  );
}

function NotesEditor({
  notes,
  trans,
  onSave
}: {
  notes: string;
  trans: TranslationBundle;
  onSave: (notes: string) => Promise<void>;
}): JSX.Element {
  const [text, setText] = useState(notes);
  useEffect(() => setText(notes), [notes]);
  const [save, failure] = useSaver(onSave);
  return (
    <div className="jp-mlops-Notes">
      <textarea
        className="jp-mod-styled"
        data-testid="mlops-notes"
        aria-label={trans.__('Notes')}
        rows={4}
        value={text}
        onChange={event => setText(event.target.value)}
      />
      <Button
        className="jp-mod-styled jp-mod-accept"
        disabled={text === notes}
        onClick={() => save(text)}
      >
        {trans.__('Save notes')}
      </Button>
      {failure && <span className="jp-mlops-InlineError" role="alert">{failure}</span>}
    </div>
  );
}

function TagsEditor({
  tags,
  trans,
  onSave
}: {
  tags: Record<string, string>;
  trans: TranslationBundle;
  onSave: (tags: Record<string, string | null>) => Promise<void>;
}): JSX.Element {
  const [text, setText] = useState('');
  const [save, failure] = useSaver(value => {
    const [key, ...rest] = value.split('=');
    return onSave({ [key.trim()]: rest.join('=').trim() });
  });
  const [remove, removeFailure] = useSaver(key => onSave({ [key]: null }));
  return (
    <div className="jp-mlops-Tags">
      <ul className="jp-mlops-TagList">
        {Object.entries(tags)
          .sort()
          .map(([key, value]) => (
            <li key={key} className="jp-mlops-Tag">
              <span>{value ? `${key}=${value}` : key}</span>
              <button
                type="button"
                className="jp-Button jp-mod-minimal"
                title={trans.__('Remove tag %1', key)}
                aria-label={trans.__('Remove tag %1', key)}
                onClick={() => remove(key)}
              >
                <closeIcon.react tag="span" />
              </button>
            </li>
          ))}
      </ul>
      <form
        onSubmit={event => {
          event.preventDefault();
          if (text.split('=')[0].trim()) {
            save(text);
            setText('');
          }
        }}
      >
        <input
          className="jp-mod-styled"
          data-testid="mlops-new-tag"
          placeholder={trans.__('key=value, then Enter')}
          aria-label={trans.__('New tag')}
          value={text}
          onChange={event => setText(event.target.value)}
        />
      </form>
      {(failure ?? removeFailure) && (
        <span className="jp-mlops-InlineError" role="alert">
          {failure ?? removeFailure}
        </span>
      )}
    </div>
  );
}

function MetricChart({
  runId,
  name,
  last
}: {
  runId: string;
  name: string;
  last: number | null;
}): JSX.Element {
  const [points, setPoints] = useState<{ x: number; y: number | null }[] | null>(null);
  useEffect(() => {
    getMetricHistory(runId, name).then(
      history => setPoints(history.history.map(p => ({ x: p.step, y: p.value }))),
      () => setPoints([])
    );
  }, [runId, name]);
  return (
    <div className="jp-mlops-MetricCard" data-metric={name}>
      <div className="jp-mlops-MetricHead">
        <span>{name}</span>
        <b>{formatNumber(last)}</b>
      </div>
      {points && points.length > 1 && (
        <LineChart series={[{ label: name, points }]} title={name} />
      )}
    </div>
  );
}

function DatasetView({
  dataset,
  trans
}: {
  dataset: IRunDataset;
  trans: TranslationBundle;
}): JSX.Element {
  const columns = dataset.schema ?? [];
  // The profile is fetched the first time the dataset is opened.
  const [open, setOpen] = useState(false);
  return (
    <details
      className="jp-mlops-Dataset"
      data-testid="mlops-dataset"
      onToggle={event => setOpen((event.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>
        <b>{dataset.name ?? dataset.dataset_id}</b>{' '}
        <span className="jp-mlops-Muted">
          {[dataset.role, (dataset.shape ?? []).join(' × '), dataset.source]
            .filter(Boolean)
            .join(' · ')}
        </span>
      </summary>
      <KeyValueTable
        rows={[
          [trans.__('Fingerprint'), dataset.fingerprint],
          [trans.__('Shape'), (dataset.shape ?? []).join(' × ') || '—'],
          [trans.__('Source file'), dataset.source ?? '—'],
          [trans.__('File hash'), dataset.file_hash ?? '—']
        ]}
      />
      {open && <DatasetProfile datasetId={dataset.dataset_id} trans={trans} />}
      {!open && columns.length === 0 && (
        <p className="jp-mlops-Muted">{trans.__('No schema')}</p>
      )}
    </details>
  );
}

function FigureView({
  artifact,
  trans
}: {
  artifact: IArtifact;
  trans: TranslationBundle;
}): JSX.Element {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let objectUrl: string | null = null;
    fetchArtifactURL(artifact.artifact_id).then(
      created => {
        objectUrl = created;
        setUrl(created);
      },
      () => setFailed(true)
    );
    return () => {
      if (objectUrl) {
        URL.revokeObjectURL(objectUrl);
      }
    };
  }, [artifact.artifact_id]);
  return (
    <figure className="jp-mlops-Figure">
      {url && <img src={url} alt={artifact.name} />}
      {failed && <p className="jp-mlops-Muted">{trans.__('Could not load this figure')}</p>}
      <figcaption>{artifact.name}</figcaption>
    </figure>
  );
}

/**
 * Artifacts other than images are never rendered in the page (they could carry script):
 * the bytes are fetched with the user's credentials and handed to the browser as a file.
 */
function DownloadButton({
  artifact,
  trans
}: {
  artifact: IArtifact;
  trans: TranslationBundle;
}): JSX.Element {
  const [failed, setFailed] = useState(false);
  const download = useCallback(async () => {
    try {
      await downloadFile(
        `artifacts/${encodeURIComponent(artifact.artifact_id)}`,
        artifact.name.split('/').pop() || 'artifact'
      );
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, [artifact.artifact_id, artifact.name]);
  return (
    <>
      <button
        className="jp-mlops-LinkButton"
        data-testid="mlops-artifact-download"
        onClick={download}
        title={trans.__('Download %1', artifact.name)}
      >
        {trans.__('Download')}
      </button>
      {failed && <span className="jp-mlops-ErrorMessage">{trans.__('Download failed')}</span>}
    </>
  );
}

function EnvironmentView({
  environment,
  trans
}: {
  environment: IEnvironment;
  trans: TranslationBundle;
}): JSX.Element {
  const packages = Object.entries(environment.packages ?? {}).sort();
  return (
    <div className="jp-mlops-Environment">
      <KeyValueTable
        rows={[
          [trans.__('Environment id'), environment.environment_id],
          ...flatten('python', environment.python),
          ...flatten('platform', environment.platform),
          ...flatten('git', environment.git),
          ...flatten('hardware', environment.hardware),
          ...flatten('conda', environment.conda)
        ]}
      />
      <details>
        <summary>{trans._n('%1 package', '%1 packages', packages.length)}</summary>
        <KeyValueTable rows={packages} />
      </details>
    </div>
  );
}

/** `{a: {b: 1}}` under `git` as rows `git.a.b = 1`. */
function flatten(prefix: string, value: unknown): [string, string][] {
  if (value === null || value === undefined) {
    return [];
  }
  if (typeof value === 'number' && prefix.endsWith('_bytes')) {
    // memory_bytes and the like read in human units.
    return [[prefix.slice(0, -'_bytes'.length), formatBytes(value)]];
  }
  if (Array.isArray(value) && value.some(v => typeof v === 'object' && v !== null)) {
    return value.flatMap((item, index) => flatten(`${prefix}.${index}`, item));
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const items = Array.isArray(value) ? value : [value];
    return [[prefix, items.map(v => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')]];
  }
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
    flatten(`${prefix}.${key}`, inner)
  );
}
