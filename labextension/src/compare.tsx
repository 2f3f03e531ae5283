/**
 * Several runs side by side: params, metrics, tags, datasets and environments
 * aligned key by key with differences highlighted, and one metric's history
 * across the runs.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useState } from 'react';

import { AlignedRow, alignDatasets, Cell, differs } from './align';
import { BarChart, ISeries, LineChart } from './chart';
import { ErrorView } from './errors';
import { formatNumber } from './format';
import { Section } from './layout';
import {
  asRequestError,
  compareRuns,
  diffEnvironments,
  getMetricHistory,
  MlopsRequestError
} from './request';
import type { IComparison, IEnvironmentDiff } from './schema';

/** Content of a comparison's main-area tab. */
export class CompareWidget extends ReactWidget {
  constructor(
    readonly runIds: string[],
    private readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-mlops-Page');
  }

  protected render(): JSX.Element {
    return <Compare runIds={this.runIds} trans={this.trans} />;
  }
}

function Compare({
  runIds,
  trans
}: {
  runIds: string[];
  trans: TranslationBundle;
}): JSX.Element {
  const [comparison, setComparison] = useState<IComparison | null>(null);
  const [error, setError] = useState<MlopsRequestError | null>(null);
  const [onlyDiffs, setOnlyDiffs] = useState(false);
  const load = useCallback(() => {
    setError(null);
    compareRuns(runIds).then(setComparison, e => setError(asRequestError(e)));
  }, [runIds]);
  useEffect(load, [load]);

  if (error) {
    return <ErrorView error={error} trans={trans} onRetry={load} />;
  }
  if (!comparison) {
    return (
      <p className="jp-mlops-Loading" role="status">
        {trans.__('Loading comparison…')}
      </p>
    );
  }
  const names = comparison.names;
  const table = (
    rows: AlignedRow[],
    testId: string,
    format: (value: Cell) => string = String
  ): JSX.Element => (
    <AlignedTable
      names={names}
      rows={rows}
      onlyDiffs={onlyDiffs}
      format={format}
      testId={testId}
      trans={trans}
    />
  );
  return (
    <div className="jp-mlops-Compare" data-testid="mlops-compare-view">
      <header className="jp-mlops-DetailsHeader">
        <h2>{trans._n('Comparing %1 run', 'Comparing %1 runs', names.length)}</h2>
        <label className="jp-mlops-OnlyDiffs">
          <input
            type="checkbox"
            checked={onlyDiffs}
            data-testid="mlops-only-diffs"
            onChange={event => setOnlyDiffs(event.target.checked)}
          />
          {trans.__('Only differences')}
        </label>
      </header>
      <MetricAcrossRuns comparison={comparison} trans={trans} />
      <Section title={trans.__('Params')}>
        {table(Object.entries(comparison.params), 'mlops-compare-params')}
      </Section>
      <Section title={trans.__('Metrics')}>
        {table(Object.entries(comparison.metrics), 'mlops-compare-metrics', value =>
          formatNumber(typeof value === 'number' ? value : null)
        )}
      </Section>
      <Section title={trans.__('Tags')}>
        {table(Object.entries(comparison.tags), 'mlops-compare-tags')}
      </Section>
      <Section title={trans.__('Datasets (fingerprints)')}>
        {table(alignDatasets(comparison.datasets), 'mlops-compare-datasets', value =>
          String(value).slice(0, 16)
        )}
      </Section>
      <Section title={trans.__('Environments')}>
        {table([[trans.__('environment'), comparison.environments]], 'mlops-compare-env')}
        <EnvironmentDiffs comparison={comparison} trans={trans} />
      </Section>
    </div>
  );
}

function AlignedTable({
  names,
  rows,
  onlyDiffs,
  format,
  testId,
  trans
}: {
  names: string[];
  rows: AlignedRow[];
  onlyDiffs: boolean;
  format: (value: Cell) => string;
  testId: string;
  trans: TranslationBundle;
}): JSX.Element {
  const shown = rows.filter(([, values]) => !onlyDiffs || differs(values));
  if (shown.length === 0) {
    return (
      <p className="jp-mlops-Muted">
        {rows.length === 0 ? trans.__('None') : trans.__('No differences')}
      </p>
    );
  }
  return (
    <div className="jp-mlops-TableScroll">
      <table className="jp-mlops-Aligned" data-testid={testId}>
        <thead>
          <tr>
            <th />
            {names.map((name, index) => (
              <th key={index} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map(([key, values]) => (
            <tr
              key={key}
              data-key={key}
              className={differs(values) ? 'jp-mlops-mod-differs' : undefined}
            >
              <th scope="row">{key}</th>
              {values.map((value, index) => (
                <td key={index}>{value === null ? '—' : format(value)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MetricAcrossRuns({
  comparison,
  trans
}: {
  comparison: IComparison;
  trans: TranslationBundle;
}): JSX.Element | null {
  const metrics = Object.keys(comparison.metrics).sort();
  const [metric, setMetric] = useState(metrics[0] ?? '');
  const [series, setSeries] = useState<ISeries[] | null>(null);
  useEffect(() => {
    if (!metric) {
      return;
    }
    setSeries(null);
    let current = true;
    Promise.all(
      comparison.run_ids.map((runId, index) =>
        getMetricHistory(runId, metric).then(
          history => ({
            label: comparison.names[index],
            points: history.history.map(p => ({ x: p.step, y: p.value }))
          }),
          () => ({ label: comparison.names[index], points: [] })
        )
      )
    ).then(result => current && setSeries(result));
    return () => {
      current = false;
    };
  }, [comparison, metric]);
  if (metrics.length === 0) {
    return null;
  }
  return (
    <Section title={trans.__('Metric across runs')} testId="mlops-compare-chart">
      <select
        className="jp-mod-styled"
        aria-label={trans.__('Metric')}
        data-testid="mlops-compare-metric"
        value={metric}
        onChange={event => setMetric(event.target.value)}
      >
        {metrics.map(name => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      {series &&
        (series.every(s => s.points.length <= 1) ? (
          <BarChart
            title={metric}
            bars={comparison.names.map((label, index) => ({
              label,
              value: comparison.metrics[metric][index]
            }))}
          />
        ) : (
          <LineChart series={series} title={metric} />
        ))}
    </Section>
  );
}

/** Package and system changes between the first run's environment and each other one. */
function EnvironmentDiffs({
  comparison,
  trans
}: {
  comparison: IComparison;
  trans: TranslationBundle;
}): JSX.Element | null {
  const [base, ...others] = comparison.environments;
  const pairs = [...new Set(others)].filter(
    (other): other is string => other !== null && base !== null && other !== base
  );
  const [diffs, setDiffs] = useState<IEnvironmentDiff[]>([]);
  useEffect(() => {
    if (base === null || pairs.length === 0) {
      return;
    }
    Promise.all(pairs.map(other => diffEnvironments(base, other))).then(setDiffs, () =>
      setDiffs([])
    );
    // `base` and `pairs` derive from `comparison`.
  }, [comparison]);
  if (diffs.length === 0) {
    return null;
  }
  return (
    <>
      {diffs.map(diff => (
        <details key={diff.b} className="jp-mlops-EnvDiff" open>
          <summary>
            {trans.__('%1 → %2', diff.a, diff.b)}
          </summary>
          <ul>
            {Object.entries(diff.packages.changed).map(([name, [from, to]]) => (
              <li key={`c-${name}`} className="jp-mlops-mod-differs">
                {trans.__('%1: %2 → %3', name, from, to)}
              </li>
            ))}
            {Object.entries(diff.packages.added).map(([name, version]) => (
              <li key={`a-${name}`}>{trans.__('+ %1 %2', name, version)}</li>
            ))}
            {Object.entries(diff.packages.removed).map(([name, version]) => (
              <li key={`r-${name}`}>{trans.__('− %1 %2', name, version)}</li>
            ))}
            {(['python', 'platform', 'git', 'hardware', 'env_vars'] as const).flatMap(section =>
              Object.entries(diff[section]).map(([field, [from, to]]) => (
                <li key={`${section}-${field}`} className="jp-mlops-mod-differs">
                  {`${section}.${field}: ${String(from)} → ${String(to)}`}
                </li>
              ))
            )}
          </ul>
        </details>
      ))}
    </>
  );
}
