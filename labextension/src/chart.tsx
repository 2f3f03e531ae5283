/**
 * A small SVG line chart (metric value by step), coloured by theme variables
 * so it follows light and dark themes. Enough for metric histories; no chart
 * library needed.
 */
import React from 'react';

import { formatNumber } from './format';

export interface ISeries {
  label: string;
  points: { x: number; y: number | null }[];
}

/** Theme colours for up to six series, then they repeat. */
const COLOURS = [
  'var(--jp-brand-color1)',
  'var(--jp-warn-color1)',
  'var(--jp-success-color1)',
  'var(--jp-error-color1)',
  'var(--jp-info-color1)',
  'var(--jp-ui-font-color2)'
];

const WIDTH = 320;
const HEIGHT = 140;
const PAD = { left: 48, right: 8, top: 8, bottom: 20 };

export function LineChart({
  series,
  title
}: {
  series: ISeries[];
  title: string;
}): JSX.Element {
  const points = series.flatMap(s =>
    s.points.filter((p): p is { x: number; y: number } => isFiniteNumber(p.y))
  );
  if (points.length === 0) {
    return <p className="jp-mlops-Muted">—</p>;
  }
  const [xMin, xMax] = extent(points.map(p => p.x));
  const [yMin, yMax] = widen(extent(points.map(p => p.y)));
  const x = (value: number): number =>
    PAD.left + ((value - xMin) / (xMax - xMin || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (value: number): number =>
    HEIGHT -
    PAD.bottom -
    ((value - yMin) / (yMax - yMin || 1)) * (HEIGHT - PAD.top - PAD.bottom);

  return (
    <figure className="jp-mlops-Chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={title}
        preserveAspectRatio="xMinYMin meet"
      >
        <title>{title}</title>
        <line className="jp-mlops-ChartAxis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={HEIGHT - PAD.bottom} />
        <line className="jp-mlops-ChartAxis" x1={PAD.left} x2={WIDTH - PAD.right} y1={HEIGHT - PAD.bottom} y2={HEIGHT - PAD.bottom} />
        <text className="jp-mlops-ChartLabel" x={PAD.left - 4} y={y(yMax) + 4} textAnchor="end">
          {formatNumber(yMax)}
        </text>
        <text className="jp-mlops-ChartLabel" x={PAD.left - 4} y={y(yMin)} textAnchor="end">
          {formatNumber(yMin)}
        </text>
        <text className="jp-mlops-ChartLabel" x={PAD.left} y={HEIGHT - 4}>
          {formatNumber(xMin)}
        </text>
        <text className="jp-mlops-ChartLabel" x={WIDTH - PAD.right} y={HEIGHT - 4} textAnchor="end">
          {formatNumber(xMax)}
        </text>
        {series.map((s, index) => {
          const colour = COLOURS[index % COLOURS.length];
          const finite = s.points.filter(
            (p): p is { x: number; y: number } => isFiniteNumber(p.y)
          );
          return (
            <g key={s.label} style={{ color: colour }}>
              <polyline
                className="jp-mlops-ChartLine"
                points={finite.map(p => `${x(p.x)},${y(p.y)}`).join(' ')}
              />
              {finite.map(p => (
                <circle key={p.x} className="jp-mlops-ChartDot" cx={x(p.x)} cy={y(p.y)} r={2.5}>
                  <title>{`${s.label} — step ${p.x}: ${formatNumber(p.y)}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <figcaption className="jp-mlops-ChartLegend">
          {series.map((s, index) => (
            <span key={s.label}>
              {/* The swatch is a graphic (3:1 suffices); the label keeps text contrast. */}
              <span aria-hidden="true" style={{ color: COLOURS[index % COLOURS.length] }}>
                ●
              </span>{' '}
              <span className="jp-mlops-ChartLegendLabel">{s.label}</span>
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

function isFiniteNumber(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

function extent(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

/** A flat series still needs a vertical range to be drawn in. */
function widen([low, high]: [number, number]): [number, number] {
  if (low !== high) {
    return [low, high];
  }
  const pad = Math.abs(low) * 0.1 || 1;
  return [low - pad, high + pad];
}

/** One value per label as horizontal bars: a metric across runs without history. */
export function BarChart({
  bars,
  title
}: {
  bars: { label: string; value: number | null }[];
  title: string;
}): JSX.Element {
  const values = bars.map(bar => bar.value).filter(isFiniteNumber);
  const high = Math.max(0, ...values);
  const low = Math.min(0, ...values);
  const span = high - low || 1;
  return (
    <figure className="jp-mlops-Bars" role="img" aria-label={title}>
      {bars.map((bar, index) => (
        <div key={index} className="jp-mlops-Bar">
          <span className="jp-mlops-BarLabel" title={bar.label}>
            {bar.label}
          </span>
          <span className="jp-mlops-BarTrack">
            {isFiniteNumber(bar.value) && (
              <span
                className="jp-mlops-BarFill"
                style={{
                  marginLeft: `${((Math.min(bar.value, 0) - low) / span) * 100}%`,
                  width: `${(Math.abs(bar.value) / span) * 100}%`,
                  background: COLOURS[index % COLOURS.length]
                }}
              />
            )}
          </span>
          <span className="jp-mlops-BarValue">
            {bar.value === null ? '—' : formatNumber(bar.value)}
          </span>
        </div>
      ))}
    </figure>
  );
}
