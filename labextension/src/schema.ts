/**
 * The REST API's JSON shapes, as documented in
 * `jupyter_mlops/server/openapi.yaml`. Types only: no runtime code.
 */

export type RunStatus =
  | 'running'
  | 'finished'
  | 'failed'
  | 'interrupted'
  | 'crashed';

export const RUN_STATUSES: readonly RunStatus[] = [
  'running',
  'finished',
  'failed',
  'interrupted',
  'crashed'
];

/** One row of `GET /runs`. */
export interface IRunSummary {
  run_id: string;
  name: string;
  experiment: string;
  notebook: string | null;
  status: RunStatus;
  user?: string | null;
  host?: string | null;
  started: string;
  ended?: string | null;
  duration_s: number | null;
  params: Record<string, string>;
  /** Last value of each metric; null for NaN. */
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
  has_warnings: boolean;
  deleted: boolean;
}

export interface IRunPage {
  runs: IRunSummary[];
  next_cursor: string | null;
  change_cursor: string;
  /** Matching runs over all pages; given with the first page only. */
  total?: number | null;
}

export interface IRunDataset {
  dataset_id: string;
  name: string | null;
  role?: string;
  fingerprint: string;
  source: string | null;
  file_hash?: string | null;
  schema: { name: string; dtype: string }[] | null;
  shape: number[] | null;
}

/**
 * One column's profile, as the kernel computed it: counts always; numeric
 * columns add moments, quantiles and a histogram; text ones the top values.
 */
export interface IColumnProfile {
  count?: number;
  nulls?: number;
  infinite?: number;
  distinct?: number;
  min?: number | string | null;
  max?: number | string | null;
  mean?: number | null;
  std?: number | null;
  quantiles?: Record<string, number | null>;
  histogram?: { counts: number[]; edges: number[] };
  top?: { value: unknown; count: number }[];
}

/** `GET /datasets/{id}`: the dataset and its profile, by column name. */
export interface IDataset {
  dataset_id: string;
  name: string | null;
  fingerprint: string;
  schema: { name: string; dtype: string }[] | null;
  shape: number[] | null;
  profile: Record<string, IColumnProfile> | null;
}

export interface IArtifact {
  artifact_id: string;
  name: string;
  media_type: string;
  size: number;
  url?: string;
}

/** A cell execution the run depends on. */
export interface ILineageCell {
  execution_id?: string;
  seq?: number;
  execution_count?: number | null;
  cell_id?: string | null;
  code: string;
  status?: string;
  started?: string | null;
}

export type JSONObject = { [key: string]: unknown };

export interface IEnvironment extends JSONObject {
  environment_id: string;
  python?: JSONObject;
  platform?: JSONObject;
  packages?: Record<string, string>;
  conda?: JSONObject | null;
  git?: JSONObject | null;
  hardware?: JSONObject;
  env_vars?: Record<string, string>;
}

/** `GET /runs/{id}`. */
export interface IRun extends IRunSummary {
  notes: string;
  error: string | null;
  datasets: IRunDataset[];
  environment: IEnvironment | null;
  artifacts: IArtifact[];
  lineage: ILineageCell[];
  warnings: string[];
}

/** `PATCH /runs/{id}`: a null tag value removes that tag. */
export interface IRunPatch {
  name?: string;
  notes?: string;
  tags?: Record<string, string | null>;
}

export interface IMetricPoint {
  step: number;
  value: number | null;
  timestamp?: string;
}

export interface IMetricHistory {
  run_id: string;
  key: string;
  history: IMetricPoint[];
}

/** `GET /compare`: every section maps a key to one value per run. */
export interface IComparison {
  run_ids: string[];
  names: string[];
  params: Record<string, (string | null)[]>;
  metrics: Record<string, (number | null)[]>;
  tags: Record<string, (string | null)[]>;
  datasets: string[][];
  environments: (string | null)[];
  differences: Record<string, string[]>;
}

export interface IPackageChanges {
  added: Record<string, string>;
  removed: Record<string, string>;
  changed: Record<string, [string, string]>;
}

/** `GET /environments/diff`: other sections map field -> [a, b]. */
export interface IEnvironmentDiff {
  a: string;
  b: string;
  packages: IPackageChanges;
  python: Record<string, [unknown, unknown]>;
  platform: Record<string, [unknown, unknown]>;
  git: Record<string, [unknown, unknown]>;
  hardware: Record<string, [unknown, unknown]>;
  env_vars: Record<string, [unknown, unknown]>;
}

/** `GET /tracking?kernel_id=`. */
export interface ITracking {
  kernel_id: string;
  tracked: boolean;
  session_id?: string | null;
  notebook?: string | null;
  since?: string | null;
}

/** One row of `GET /models`; the registry's own shapes are in `models/types.ts`. */
export interface IRegisteredModel {
  name: string;
  description?: string | null;
  latest_version?: number | null;
  aliases?: Record<string, number>;
  updated?: string | null;
  versions_count?: number;
}
