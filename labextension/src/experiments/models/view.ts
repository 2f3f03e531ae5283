/**
 * A view of the runs: what is queried, shown, sorted, grouped and charted.
 * It is plain JSON, so the same value is saved in JupyterLab's state
 * database, named by the user, and carried in a deep link.
 */

export type ChartKind = 'none' | 'steps' | 'scatter' | 'parallel' | 'bar';
export const CHART_KINDS: readonly ChartKind[] = ['steps', 'scatter', 'parallel', 'bar'];

export interface IChartState {
  kind: ChartKind;
  /** The metric drawn (steps, bar; y of the scatter; last axis of parallel coordinates). */
  metric: string;
  /** The param on the x axis of the scatter. */
  param: string;
  /** The params of the parallel coordinates, in axis order. */
  params: string[];
  /** Exponential moving average weight for step lines, 0 (none) to 0.99. */
  smoothing: number;
  logScale: boolean;
}

export interface IViewState {
  query: string;
  /** Extra columns: `params.X`, `metrics.X`, `tags.X`. */
  columns: string[];
  /** API sort key, `-` for descending. */
  sort: string;
  /** `''`, `experiment`, `notebook`, `tags.X` or `params.X`. */
  group: string;
  chart: IChartState;
}

export const DEFAULT_VIEW: IViewState = {
  query: '',
  columns: [],
  sort: '-started',
  group: '',
  chart: {
    kind: 'none',
    metric: '',
    param: '',
    params: [],
    smoothing: 0,
    logScale: false
  }
};

/** A possibly partial or outdated saved value as a complete view. */
export function asView(value: unknown): IViewState {
  const raw = (value && typeof value === 'object' ? value : {}) as Partial<IViewState>;
  const chart = (raw.chart && typeof raw.chart === 'object' ? raw.chart : {}) as Partial<IChartState>;
  const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const base = DEFAULT_VIEW.chart;
  return {
    query: text(raw.query, DEFAULT_VIEW.query),
    columns: list(raw.columns),
    sort: text(raw.sort, DEFAULT_VIEW.sort) || DEFAULT_VIEW.sort,
    group: text(raw.group, DEFAULT_VIEW.group),
    chart: {
      kind: (['none', ...CHART_KINDS] as string[]).includes(chart.kind as string)
        ? (chart.kind as ChartKind)
        : base.kind,
      metric: text(chart.metric, base.metric),
      param: text(chart.param, base.param),
      params: list(chart.params),
      smoothing:
        typeof chart.smoothing === 'number' && chart.smoothing >= 0 && chart.smoothing < 1
          ? chart.smoothing
          : base.smoothing,
      logScale: chart.logScale === true
    }
  };
}

/** A view as URL-safe text, for deep links. */
export function encodeView(view: IViewState): string {
  const bytes = new TextEncoder().encode(JSON.stringify(view));
  let binary = '';
  bytes.forEach(byte => (binary += String.fromCharCode(byte)));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The view a deep link carries; the default view if the text is damaged. */
export function decodeView(text: string): IViewState {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, char => char.charCodeAt(0));
    return asView(JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    return asView(null);
  }
}
