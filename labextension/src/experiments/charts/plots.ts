/**
 * The Experiments view's charts, drawn with Observable Plot: a small,
 * actively kept library (ISC) that builds plain SVG from marks and scales,
 * so the charts take JupyterLab's theme through CSS variables
 * (`currentColor`), need no canvas tricks to export as SVG, and bundle with
 * rspack as ES modules. Axes, ticks and scales are Plot's, not hand-drawn.
 */
import * as Plot from '@observablehq/plot';

import type { IRunSummary } from '../../schema';
import type { Histories } from '../api';
import { lttb } from './downsample';
import { columnLabel, rawValue } from '../models/columns';
import type { IChartState } from '../models/view';

/**
 * Ten distinct colours (the Tableau 10 set), chosen by a hash of the run id:
 * a run keeps its colour in every chart, whatever else is drawn with it.
 */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac'
];

export function runColour(runId: string): string {
  let hash = 0;
  for (let i = 0; i < runId.length; i++) {
    hash = (hash * 31 + runId.charCodeAt(i)) | 0;
  }
  return PALETTE[Math.abs(hash) % PALETTE.length];
}

export interface IChartSize {
  width: number;
  height: number;
}

/** Left and right margins of every chart (Plot's own default on the right). */
const MARGIN_LEFT = 56;
const MARGIN_RIGHT = 20;

/** Theme-following defaults shared by every chart. */
function frame(size: IChartSize): Plot.PlotOptions {
  return {
    ...size,
    className: 'jp-mlops-Plot',
    style: {
      background: 'transparent',
      color: 'var(--jp-ui-font-color1)',
      fontFamily: 'var(--jp-ui-font-family)',
      fontSize: '11px'
    },
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    marginBottom: 44,
    color: { type: 'identity' }
  };
}

/** TensorBoard-style exponential moving average (debiased), `weight` in [0, 1). */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) {
    return values;
  }
  let last = 0;
  let count = 0;
  return values.map(value => {
    if (value === null || !Number.isFinite(value)) {
      return value;
    }
    last = last * weight + (1 - weight) * value;
    count++;
    return last / (1 - Math.pow(weight, count));
  });
}

/**
 * One line per run of a metric by step, overlaid. Each run's history is
 * first cut to one point per pixel column of the plot area (LTTB, see
 * downsample.ts): more points than pixels cost the chart library and the
 * browser's SVG layout without changing a pixel. Points go to Plot as
 * columns (typed arrays, an index array as data), not one object each, and
 * the tip reads its run name from a column rather than a string per point.
 */
export function stepChart(
  runs: readonly IRunSummary[],
  histories: Histories,
  chart: IChartState,
  size: IChartSize
): SVGSVGElement | HTMLElement {
  const columnsWide = Math.max(3, Math.floor(size.width - MARGIN_LEFT - MARGIN_RIGHT));
  const kept: { run: IRunSummary; xs: Float64Array; ys: Float64Array }[] = [];
  let count = 0;
  for (const run of runs) {
    const history = histories[run.run_id];
    if (!history) {
      continue;
    }
    const values = smooth(history.values, chart.smoothing);
    const xs = new Float64Array(values.length);
    const ys = new Float64Array(values.length);
    let n = 0;
    values.forEach((value, i) => {
      if (value !== null && Number.isFinite(value) && (!chart.logScale || value > 0)) {
        xs[n] = history.steps[i];
        ys[n] = value;
        n++;
      }
    });
    const picked = lttb(xs.subarray(0, n), ys.subarray(0, n), columnsWide);
    const px = new Float64Array(picked.length);
    const py = new Float64Array(picked.length);
    picked.forEach((at, i) => {
      px[i] = xs[at];
      py[i] = ys[at];
    });
    kept.push({ run, xs: px, ys: py });
    count += picked.length;
  }
  // The tip looks across all runs, so it gets every point as columns.
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  const name = new Array<string>(count);
  let n = 0;
  for (const { run, xs, ys } of kept) {
    x.set(xs, n);
    y.set(ys, n);
    name.fill(run.name, n, n + xs.length);
    n += xs.length;
  }
  return Plot.plot({
    ...frame(size),
    x: { label: 'step' },
    y: { label: chart.metric, type: chart.logScale ? 'log' : 'linear', grid: true },
    marks: [
      // One mark per run with a constant colour: Plot then neither groups a
      // hundred thousand points by run nor maps a colour per point.
      ...kept.map(({ run, xs, ys }) =>
        Plot.lineY(indices(xs.length), {
          x: xs,
          y: ys,
          stroke: runColour(run.run_id),
          strokeWidth: 1.3
        })
      ),
      Plot.tip(indices(n), Plot.pointer({ x, y, channels: { run: name } }))
    ]
  });
}

function indices(length: number): Uint32Array {
  const index = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    index[i] = i;
  }
  return index;
}

/** A param's values as numbers when they all are, else as text. */
function axisValues(values: (string | number | null | undefined)[]): {
  numeric: boolean;
  values: (string | number | null)[];
} {
  const present = values.filter(v => v !== undefined && v !== null && v !== '');
  const numeric = present.length > 0 && present.every(v => Number.isFinite(Number(v)));
  return {
    numeric,
    values: values.map(v =>
      v === undefined || v === null || v === '' ? null : numeric ? Number(v) : String(v)
    )
  };
}

/** Each run as a dot: a param across, a metric up. */
export function scatterChart(
  runs: readonly IRunSummary[],
  chart: IChartState,
  size: IChartSize
): SVGSVGElement | HTMLElement {
  const xs = axisValues(runs.map(run => run.params[chart.param]));
  const data = runs
    .map((run, i) => ({
      x: xs.values[i],
      y: run.metrics[chart.metric],
      name: run.name,
      colour: runColour(run.run_id)
    }))
    .filter(d => d.x !== null && typeof d.y === 'number' && Number.isFinite(d.y));
  return Plot.plot({
    ...frame(size),
    x: { label: chart.param, type: xs.numeric ? 'linear' : 'point' },
    y: { label: chart.metric, type: chart.logScale ? 'log' : 'linear', grid: true },
    marks: [
      Plot.dot(data, { x: 'x', y: 'y', fill: 'colour', r: 4, stroke: 'currentColor', strokeWidth: 0.5 }),
      Plot.tip(data, Plot.pointer({ x: 'x', y: 'y', title: d => `${d.name}\n${chart.param}=${d.x}\n${chart.metric}=${d.y}` }))
    ]
  });
}

/** A metric's last value per run, highest first. */
export function barChart(
  runs: readonly IRunSummary[],
  chart: IChartState,
  size: IChartSize
): SVGSVGElement | HTMLElement {
  const data = runs
    .map(run => ({
      name: run.name,
      id: run.run_id,
      value: run.metrics[chart.metric],
      colour: runColour(run.run_id)
    }))
    .filter(d => typeof d.value === 'number' && Number.isFinite(d.value));
  return Plot.plot({
    ...frame(size),
    marginBottom: 70,
    x: { label: 'run', tickRotate: -30, domain: data.sort((a, b) => (b.value as number) - (a.value as number)).map(d => d.id), tickFormat: (id: string) => data.find(d => d.id === id)?.name ?? id },
    y: { label: chart.metric, grid: true, type: chart.logScale ? 'log' : 'linear' },
    marks: [
      Plot.barY(data, { x: 'id', y: 'value', fill: 'colour', title: d => `${d.name}: ${d.value}` }),
      Plot.ruleY([0])
    ]
  });
}

/**
 * Parallel coordinates: one vertical axis per chosen param and the metric
 * last, each scaled to its own range; one line per run across them.
 */
export function parallelChart(
  runs: readonly IRunSummary[],
  chart: IChartState,
  size: IChartSize
): SVGSVGElement | HTMLElement {
  const keys = [...chart.params.map(p => `params.${p}`), `metrics.${chart.metric}`];
  const labels = keys.map(columnLabel);
  const points: { axis: string; y: number; run: string; colour: string }[] = [];
  const ticks: { axis: string; y: number; text: string }[] = [];
  keys.forEach((key, k) => {
    const { numeric, values } = axisValues(runs.map(run => rawValue(run, key)));
    let position: (v: string | number) => number;
    if (numeric) {
      const numbers = values.filter((v): v is number => v !== null) as number[];
      const low = Math.min(...numbers);
      const high = Math.max(...numbers);
      position = v => (high === low ? 0.5 : ((v as number) - low) / (high - low));
      if (numbers.length > 0) {
        ticks.push({ axis: labels[k], y: 0, text: String(Number(low.toPrecision(4))) });
        ticks.push({ axis: labels[k], y: 1, text: String(Number(high.toPrecision(4))) });
      }
    } else {
      const levels = [...new Set(values.filter((v): v is string => v !== null))].sort();
      position = v => (levels.length < 2 ? 0.5 : levels.indexOf(v as string) / (levels.length - 1));
      levels.forEach(level => ticks.push({ axis: labels[k], y: position(level), text: level }));
    }
    runs.forEach((run, i) => {
      const value = values[i];
      if (value !== null) {
        points.push({ axis: labels[k], y: position(value), run: run.run_id, colour: runColour(run.run_id) });
      }
    });
  });
  return Plot.plot({
    ...frame(size),
    marginLeft: 30,
    marginRight: 30,
    x: { type: 'point', domain: labels, label: null, axis: 'top' },
    y: { domain: [0, 1], axis: null },
    marks: [
      Plot.ruleX(labels, { stroke: 'currentColor', strokeOpacity: 0.5 }),
      Plot.line(points, { x: 'axis', y: 'y', z: 'run', stroke: 'colour', strokeOpacity: 0.8 }),
      Plot.text(ticks, { x: 'axis', y: 'y', text: 'text', dx: 4, textAnchor: 'start', fill: 'currentColor' })
    ]
  });
}
