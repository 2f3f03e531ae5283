/**
 * A version's drift badge (the last report and its plot behind it), and the
 * Promote and Retrain forms. Promote always shows the dry run's comparison
 * first; the alias moves only from that comparison, with the same inputs.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { formatNumber, formatTimestamp, formatWhen } from '../format';
import { RequestError } from './dialog';
import type { IDriftReport, IPromoteCheck, LifecycleModel } from './lifecycle';
import type { IModelVersion } from './types';

interface IVersionProps {
  lifecycle: LifecycleModel;
  version: IModelVersion;
  trans: TranslationBundle;
}

/** `drift` / `no drift` after the version was monitored; nothing before. */
export function DriftBadge({
  report,
  open,
  onToggle,
  trans
}: {
  report: IDriftReport | null | undefined;
  open: boolean;
  onToggle: () => void;
  trans: TranslationBundle;
}): JSX.Element | null {
  if (!report) {
    return null;
  }
  const summary = report.drift
    ? trans.__('Drift in %1 (%2 rows, %3)', driftedNames(report).join(', '), report.rows, formatTimestamp(report.at))
    : trans.__('No drift in the last report (%1 rows, %2)', report.rows, formatTimestamp(report.at));
  return (
    <button
      type="button"
      className={`jp-mlops-Badge jp-mlops-DriftBadge jp-mlops-mod-${report.drift ? 'not_reproduced' : 'reproduced'}`}
      data-testid="mlops-drift-badge"
      data-drift={String(report.drift)}
      aria-expanded={open}
      title={summary}
      aria-label={summary}
      onClick={onToggle}
    >
      {report.drift ? trans.__('drift') : trans.__('no drift')}
    </button>
  );
}

function driftedNames(report: IDriftReport): string[] {
  const prediction = report.report.prediction;
  return [...report.report.drifted, ...(prediction?.drift ? ['predictions'] : [])];
}

/** The last report: where the data came from, each feature's verdict, the plot. */
export function DriftDetails({
  lifecycle,
  version,
  trans,
  report
}: IVersionProps & { report: IDriftReport }): JSX.Element {
  const [plot, setPlot] = useState<string | null>(null);
  const [plotError, setPlotError] = useState<string | null>(null);
  useEffect(() => {
    if (!report.plot) {
      return;
    }
    let url: string | null = null;
    let live = true;
    lifecycle.driftPlotURL(version.name, version.version).then(
      made => {
        url = made;
        if (live) {
          setPlot(made);
        } else {
          URL.revokeObjectURL(made);
        }
      },
      error => live && setPlotError(String(error?.message ?? error))
    );
    return () => {
      live = false;
      if (url) {
        URL.revokeObjectURL(url);
      }
    };
  }, [report.report_id]);
  const current = report.report.current;
  const features = [
    ...report.report.features,
    ...(report.report.prediction ? [report.report.prediction] : [])
  ];
  return (
    <div className="jp-mlops-DriftReport" data-testid="mlops-drift-report">
      <p className="jp-mlops-Muted">
        {trans.__(
          '%1 rows from %2, %3',
          report.rows,
          current.kind === 'file' ? current.path ?? '' : trans.__('the prediction log'),
          formatWhen(report.at, trans)
        )}
      </p>
      <ul className="jp-mlops-Differences">
        {features.map(feature => (
          <li key={feature.name} data-testid="mlops-drift-feature" data-drift={String(feature.drift)}>
            <b>{feature.name}</b> {feature.verdict}
          </li>
        ))}
      </ul>
      {plot && (
        <img
          className="jp-mlops-DriftPlot"
          data-testid="mlops-drift-plot"
          src={plot}
          alt={trans.__('Training vs current distributions of the most drifted features')}
        />
      )}
      {plotError && <p className="jp-mlops-InlineError">{plotError}</p>}
    </div>
  );
}

/** Alias, gates and holdout; Compare (a dry run) first, then Move from that comparison. */
export function PromoteForm({
  lifecycle,
  version,
  trans,
  onDone
}: IVersionProps & { onDone: () => void }): JSX.Element {
  const metric = Object.keys(version.metrics).sort()[0] ?? 'auc';
  const [alias, setAlias] = useState('production');
  const [gates, setGates] = useState(`metrics.${metric} >= production`);
  const [holdout, setHoldout] = useState('');
  const [compared, setCompared] = useState<string | null>(null);
  const { name } = version;
  const request = {
    alias: alias.trim(),
    require: gates
      .split('\n')
      .map(line => line.trim())
      .filter(Boolean),
    holdout: holdout.trim() || null
  };
  const asked = JSON.stringify(request);
  const result = lifecycle.promotion(name, version.version);
  const busy = lifecycle.busy(name, version.version);
  const error = lifecycle.error(name, version.version);
  const current = compared === asked ? result : undefined;
  const close = (): void => {
    lifecycle.clearPromotion(name, version.version);
    onDone();
  };
  return (
    <form
      className="jp-mlops-AliasForm jp-mlops-LifecycleForm"
      data-testid="mlops-promote-form"
      onSubmit={event => {
        event.preventDefault();
        setCompared(asked);
        void lifecycle.dryRun(name, version.version, request);
      }}
    >
      <Field
        label={trans.__('Alias')}
        name={trans.__('Alias to move')}
        value={alias}
        onChange={setAlias}
      />
      <Field
        label={trans.__('Gates, one per line')}
        name={trans.__('Gates')}
        value={gates}
        onChange={setGates}
        rows={2}
      />
      <Field
        label={trans.__('Holdout file (optional)')}
        name={trans.__('Holdout file')}
        value={holdout}
        onChange={setHoldout}
        placeholder={trans.__('holdout.csv, relative to the server root')}
      />
      <div>
        <Button type="submit" className="jp-mod-styled" small disabled={busy || !request.alias}>
          {trans.__('Compare')}
        </Button>
        <Button
          className="jp-mod-styled jp-mod-accept"
          small
          disabled={busy || !current || !current.passed || current.moved}
          title={trans.__('Move %1 to version %2 (only after a passing comparison)', request.alias, version.version)}
          onClick={() => void lifecycle.promote(name, version.version, request)}
        >
          {trans.__('Move %1', request.alias || trans.__('alias'))}
        </Button>
        <Button className="jp-mod-styled" small onClick={close}>
          {trans.__('Close')}
        </Button>
      </div>
      {busy && <progress aria-label={trans.__('Comparing')} />}
      {current && <Comparison result={current} trans={trans} />}
      {error && (
        <RequestError
          summary={trans.__('Version %1 was not promoted.', version.version)}
          error={error}
          trans={trans}
        />
      )}
    </form>
  );
}

function Comparison({
  result,
  trans
}: {
  result: NonNullable<ReturnType<LifecycleModel['promotion']>>;
  trans: TranslationBundle;
}): JSX.Element {
  let verdict: string;
  if (result.moved) {
    verdict = trans.__('%1 now points at version %2.', result.alias, result.version);
  } else if (result.passed) {
    verdict = trans.__('Every gate holds: %1 can move to version %2 (now %3).', result.alias, result.version, result.previous ?? trans.__('unset'));
  } else {
    verdict = trans.__('The gate fails: %1 stays on version %2.', result.alias, result.previous ?? trans.__('none'));
  }
  return (
    <div
      className="jp-mlops-Comparison"
      data-testid="mlops-promote-comparison"
      data-passed={String(result.passed)}
      data-moved={String(result.moved)}
    >
      <p role="status">{verdict}</p>
      <ul className="jp-mlops-Differences">
        {result.checks.map((check, index) => (
          <li key={`${check.metric}-${index}`} data-testid="mlops-promote-check" data-passed={String(check.passed)}>
            {describeCheck(check, trans)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function describeCheck(check: IPromoteCheck, trans: TranslationBundle): string {
  if (check.detail) {
    return `${check.passed ? '✓' : '✗'} ${check.detail}`;
  }
  // A number gate's right-hand side is its value; an alias's is named, then valued.
  const against =
    Number(check.against) === check.value
      ? check.against
      : `${check.against} ${formatNumber(check.value)}`;
  return trans.__(
    '✓ metrics.%1: %2 %3 %4',
    check.metric,
    formatNumber(check.candidate),
    check.op,
    against
  );
}

/** DATASET=FILE lines and an alias for the new version; then the job's progress. */
export function RetrainForm({
  lifecycle,
  version,
  trans,
  onDone
}: IVersionProps & { onDone: () => void }): JSX.Element {
  const [data, setData] = useState('train=');
  const [alias, setAlias] = useState('candidate');
  const [problem, setProblem] = useState<string | null>(null);
  const { name } = version;
  const job = lifecycle.retrainJob(name, version.version);
  const busy = lifecycle.busy(name, version.version);
  const error = lifecycle.error(name, version.version);
  const submit = (): void => {
    const pairs: Record<string, string> = {};
    for (const line of data.split('\n').map(text => text.trim()).filter(Boolean)) {
      const [dataset, ...rest] = line.split('=');
      const file = rest.join('=').trim();
      if (!dataset.trim() || !file) {
        setProblem(trans.__('Write each new file as DATASET=FILE, e.g. train=new.csv.'));
        return;
      }
      pairs[dataset.trim()] = file;
    }
    if (Object.keys(pairs).length === 0) {
      setProblem(trans.__('Name at least one dataset and its new file.'));
      return;
    }
    setProblem(null);
    void lifecycle.retrain(name, version.version, { data: pairs, alias: alias.trim() || null });
  };
  return (
    <form
      className="jp-mlops-AliasForm jp-mlops-LifecycleForm"
      data-testid="mlops-retrain-form"
      onSubmit={event => {
        event.preventDefault();
        submit();
      }}
    >
      <Field
        label={trans.__('New data, DATASET=FILE per line')}
        name={trans.__('New data files')}
        value={data}
        onChange={setData}
        rows={2}
      />
      <Field
        label={trans.__('Alias for the new version (optional)')}
        name={trans.__('Alias for the new version')}
        value={alias}
        onChange={setAlias}
      />
      <div>
        <Button type="submit" className="jp-mod-styled jp-mod-accept" small disabled={busy}>
          {trans.__('Retrain')}
        </Button>
        <Button className="jp-mod-styled" small onClick={onDone}>
          {trans.__('Close')}
        </Button>
      </div>
      {problem && <span className="jp-mlops-InlineError">{problem}</span>}
      {job && (
        <p role="status" data-testid="mlops-retrain-status" data-status={job.status}>
          {busy && <progress aria-label={trans.__('Retraining')} />}{' '}
          {describeJob(job, trans)}
        </p>
      )}
      {error && (
        <RequestError
          summary={trans.__('Version %1 could not be retrained.', version.version)}
          error={error}
          trans={trans}
        />
      )}
    </form>
  );
}

function describeJob(
  job: NonNullable<ReturnType<LifecycleModel['retrainJob']>>,
  trans: TranslationBundle
): string {
  switch (job.status) {
    case 'succeeded':
      return trans.__(
        'Registered version %1%2.',
        job.result?.version ?? '?',
        job.result?.aliases.length ? ` [${job.result.aliases.join(', ')}]` : ''
      );
    case 'failed':
      return trans.__('Retraining failed: %1', job.error ?? '');
    case 'queued':
      return trans.__('Waiting for another retraining to finish…');
    default:
      return trans.__('Retraining: running train.py on the new data in a clean kernel…');
  }
}

/** A labelled text field of the Promote and Retrain forms (a text area given rows). */
function Field(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  placeholder?: string;
}): JSX.Element {
  const shared = {
    className: 'jp-mod-styled',
    value: props.value,
    placeholder: props.placeholder,
    'aria-label': props.name,
    onChange: (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      props.onChange(event.target.value)
  };
  return (
    <label>
      {props.label}
      {props.rows ? <textarea rows={props.rows} {...shared} /> : <input {...shared} />}
    </label>
  );
}
