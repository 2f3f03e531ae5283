/**
 * The chart under the table: for the selected runs, or the first matching
 * ones (capped), a metric by step, a param-vs-metric scatter, parallel
 * coordinates or a bar chart; each exportable as PNG or SVG.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useLayoutEffect, useRef, useState } from 'react';

import type { IRunSummary } from '../../schema';
import { fetchHistories, Histories } from '../api';
import { exportPng, exportSvg } from '../charts/export';
import { barChart, parallelChart, scatterChart, stepChart } from '../charts/plots';
import type { ExperimentsModel } from '../models/experiments';
import { measureSince } from '../timing';
import { CHART_KINDS, ChartKind, IChartState } from '../models/view';

/** Runs a chart draws at most (the history endpoint's batch, halved for legibility). */
export const MAX_CHART_RUNS = 100;

const KIND_LABELS: Record<ChartKind, string> = {
  none: 'None',
  steps: 'Steps',
  scatter: 'Scatter',
  parallel: 'Parallel',
  bar: 'Bar'
};

/** The runs a chart is about: the selection, else the first matching rows. */
export function chartRuns(model: ExperimentsModel): IRunSummary[] {
  const selected = new Set(model.selected);
  const runs = selected.size > 0 ? model.runs.filter(r => selected.has(r.run_id)) : model.runs;
  return runs.slice(0, MAX_CHART_RUNS);
}

/** One metric or param key picked from the store's catalog. */
function KeySelect({
  testId,
  value,
  keys,
  onChange
}: {
  testId: string;
  value: string;
  keys: string[];
  onChange: (value: string) => void;
}): JSX.Element {
  return (
    <select
      className="jp-mod-styled"
      data-testid={testId}
      value={value}
      onChange={event => onChange(event.target.value)}
    >
      {keys.map(key => (
        <option key={key} value={key}>
          {key}
        </option>
      ))}
    </select>
  );
}

export function ChartPanel({
  model,
  trans
}: {
  model: ExperimentsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { chart } = model.view;
  const { catalog } = model;
  const runs = chartRuns(model);
  const set = (change: Partial<IChartState>): void => model.setChart(change);
  const metric = chart.metric || catalog.metrics[0] || '';
  const param = chart.param || catalog.params[0] || '';
  const effective: IChartState = { ...chart, metric, param };

  return (
    <section className="jp-mlops-ChartPanel" data-testid="mlops-chart-panel" aria-label={trans.__('Chart')}>
      <div className="jp-mlops-ChartControls" role="toolbar" aria-label={trans.__('Chart options')}>
        <span role="radiogroup" aria-label={trans.__('Chart type')} className="jp-mlops-ChartKinds">
          {CHART_KINDS.map(kind => (
            <button
              key={kind}
              role="radio"
              aria-checked={chart.kind === kind}
              data-testid={`mlops-chart-${kind}`}
              className={`jp-mlops-ChartKind${chart.kind === kind ? ' jp-mod-active' : ''}`}
              onClick={() => set({ kind: chart.kind === kind ? 'none' : kind, metric, param })}
            >
              {trans.__(KIND_LABELS[kind])}
            </button>
          ))}
        </span>
        {chart.kind !== 'none' && (
          <>
            <label>
              {trans.__('Metric')}{' '}
              <KeySelect
                testId="mlops-chart-metric"
                value={metric}
                keys={catalog.metrics}
                onChange={value => set({ metric: value })}
              />
            </label>
            {chart.kind === 'scatter' && (
              <label>
                {trans.__('Param')}{' '}
                <KeySelect
                  testId="mlops-chart-param"
                  value={param}
                  keys={catalog.params}
                  onChange={value => set({ param: value })}
                />
              </label>
            )}
            {chart.kind === 'parallel' && (
              <label>
                {trans.__('Params')}{' '}
                <select
                  multiple
                  className="jp-mod-styled jp-mlops-ParamsSelect"
                  data-testid="mlops-chart-params"
                  value={chart.params}
                  onChange={event =>
                    set({ params: Array.from(event.target.selectedOptions, o => o.value) })
                  }
                >
                  {catalog.params.map(key => (
                    <option key={key} value={key}>
                      {key}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {chart.kind === 'steps' && (
              <label>
                {trans.__('Smoothing')}{' '}
                <input
                  type="range"
                  min={0}
                  max={0.95}
                  step={0.05}
                  value={chart.smoothing}
                  data-testid="mlops-chart-smoothing"
                  onChange={event => set({ smoothing: Number(event.target.value) })}
                />
              </label>
            )}
            {chart.kind !== 'parallel' && (
              <label>
                <input
                  type="checkbox"
                  checked={chart.logScale}
                  data-testid="mlops-chart-log"
                  onChange={event => set({ logScale: event.target.checked })}
                />{' '}
                {trans.__('Log scale')}
              </label>
            )}
            <span className="jp-mlops-Muted" data-testid="mlops-chart-runs">
              {model.selected.length > 0
                ? trans._n('%1 selected run', '%1 selected runs', runs.length)
                : trans.__('first %1 matching runs', runs.length)}
            </span>
          </>
        )}
      </div>
      {chart.kind !== 'none' && <Chart runs={runs} chart={effective} trans={trans} />}
    </section>
  );
}

function Chart({
  runs,
  chart,
  trans
}: {
  runs: IRunSummary[];
  chart: IChartState;
  trans: TranslationBundle;
}): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const [histories, setHistories] = useState<Histories | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [width, setWidth] = useState(0);
  const ids = runs.map(run => run.run_id).join(',');

  useEffect(() => {
    if (chart.kind !== 'steps' || !chart.metric || runs.length === 0) {
      setHistories(null);
      return;
    }
    let current = true;
    setHistories(null);
    setFailure(null);
    const asked = performance.now();
    fetchHistories(runs.map(run => run.run_id), chart.metric).then(
      answer => {
        measureSince('mlops:histories-request', asked);
        current && setHistories(answer);
      },
      error => current && setFailure((error as Error).message)
    );
    return () => {
      current = false;
    };
  }, [chart.kind, chart.metric, ids]);

  useLayoutEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    setWidth(node.clientWidth);
    const observer = new ResizeObserver(() => setWidth(node.clientWidth));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const node = host.current;
    if (!node || width === 0) {
      return;
    }
    node.replaceChildren();
    if (runs.length === 0 || !chart.metric) {
      return;
    }
    const size = { width: Math.max(320, node.clientWidth || width), height: 300 };
    const drawing = performance.now();
    let figure: Element | null = null;
    switch (chart.kind) {
      case 'steps':
        figure = histories ? stepChart(runs, histories, chart, size) : null;
        break;
      case 'scatter':
        figure = chart.param ? scatterChart(runs, chart, size) : null;
        break;
      case 'parallel':
        figure = parallelChart(runs, chart, size);
        break;
      case 'bar':
        figure = barChart(runs, chart, size);
        break;
    }
    if (figure) {
      figure.setAttribute('data-testid', 'mlops-chart');
      figure.setAttribute('data-chart', chart.kind);
      figure.setAttribute('role', 'img');
      figure.setAttribute('aria-label', describe(chart, runs.length));
      node.appendChild(figure);
      measureSince(`mlops:chart-draw-${chart.kind}`, drawing);
    }
  }, [ids, JSON.stringify(chart), histories, width]);

  const svg = (): SVGSVGElement | null => host.current?.querySelector('svg') ?? null;
  const name = `${chart.kind}-${chart.metric}`.replace(/[^\w.-]+/g, '_');
  let note: string | null = null;
  if (runs.length === 0) {
    note = trans.__('No runs to chart.');
  } else if (!chart.metric) {
    note = trans.__('No metric has been logged yet.');
  } else if (failure) {
    note = trans.__('Could not load the metric histories: %1', failure);
  } else if (chart.kind === 'steps' && !histories) {
    note = trans.__('Loading metric histories…');
  }
  return (
    <div className="jp-mlops-Chart">
      <div className="jp-mlops-ChartExport">
        <Button
          className="jp-mod-styled"
          data-testid="mlops-export-svg"
          onClick={() => {
            const node = svg();
            node && exportSvg(node, name);
          }}
        >
          {trans.__('SVG')}
        </Button>
        <Button
          className="jp-mod-styled"
          data-testid="mlops-export-png"
          onClick={() => {
            const node = svg();
            node && void exportPng(node, name);
          }}
        >
          {trans.__('PNG')}
        </Button>
      </div>
      {note && (
        <p className="jp-mlops-Muted" role="status">
          {note}
        </p>
      )}
      <div ref={host} className="jp-mlops-ChartHost" />
    </div>
  );
}

function describe(chart: IChartState, runs: number): string {
  switch (chart.kind) {
    case 'steps':
      return `${chart.metric} by step for ${runs} runs`;
    case 'scatter':
      return `${chart.metric} against ${chart.param} for ${runs} runs`;
    case 'parallel':
      return `parallel coordinates of ${[...chart.params, chart.metric].join(', ')} for ${runs} runs`;
    default:
      return `${chart.metric} of ${runs} runs`;
  }
}
