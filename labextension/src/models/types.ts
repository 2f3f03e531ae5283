/**
 * The model registry's JSON shapes, as in REGISTRY_CONTRACT.md and
 * `jupyter_mlops/server/openapi.yaml`. Types only: no runtime code.
 */

export type VerificationStatus =
  | 'unverified'
  | 'reproduced'
  | 'not_reproduced'
  | 'failed';

/** What a rebuild from `train.py` found different from the registered version. */
export interface IDifference {
  kind: 'metric' | 'dataset' | 'package' | string;
  name: string;
  expected?: unknown;
  actual?: unknown;
  detail?: string | null;
}

export interface IVerification {
  status: VerificationStatus;
  at?: string | null;
  differences?: IDifference[];
  /** Why a verification could not run at all (status `failed`). */
  error?: string | null;
}

/** `GET models/{name}/versions/{version}` and the answer of `POST models`. */
export interface IModelVersion {
  name: string;
  version: number;
  run_id: string;
  model_variable?: string | null;
  model_type?: string | null;
  description?: string | null;
  created: string;
  user?: string | null;
  aliases: string[];
  metrics: Record<string, number | null>;
  params?: Record<string, string>;
  source?: 'live' | 'rebuilt' | string;
  checksum?: string;
  size?: number;
  requirements?: string[];
  warnings?: string[];
  verification: IVerification;
}

/** One move of an alias: `from_version` null when it was set, `to_version` null when deleted. */
export interface IAliasMove {
  alias: string;
  from_version: number | null;
  to_version: number | null;
  user?: string | null;
  at: string;
}

/** `GET models/{name}`: versions newest first. */
export interface IModelDetail {
  name: string;
  description?: string | null;
  aliases: Record<string, number>;
  versions: IModelVersion[];
  alias_history: IAliasMove[];
}

/** A model object a run holds, as `GET runs/{id}/models` lists it. */
export interface IRunModel {
  variable: string;
  type: string;
  params_count?: number;
}

/** `GET runs/{id}/models`: what the packaging dialog shows before confirming. */
export interface IRunModels {
  models: IRunModel[];
  warnings: string[];
  suggested_name?: string | null;
}

/** Body of `POST models`. */
export interface IRegisterRequest {
  run_id: string;
  name: string;
  model?: string;
  alias?: string;
  description?: string;
}
