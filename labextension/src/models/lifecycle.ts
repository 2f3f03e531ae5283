/**
 * A version's way back from production: its last drift report (what
 * `jupyter mlops monitor` recorded, and its plot), promotion behind metric
 * gates (always shown as a dry run before the alias moves) and retraining on
 * new data (a server job, polled until it ends). No React here.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { asRequestError, fetchObjectURL, MlopsRequestError, requestAPI } from '../request';
import type { IModelVersion } from './types';

/** One feature's verdict in a drift report. */
export interface IDriftFeature {
  name: string;
  kind: string;
  verdict: string;
  drift: boolean;
  score?: number;
}

/** `GET models/{name}/versions/{version}/drift`. */
export interface IDriftReport {
  report_id: string;
  name: string;
  version: number;
  at: string;
  drift: boolean;
  rows: number;
  plot: { digest: string; size: number; url: string } | null;
  report: {
    features: IDriftFeature[];
    drifted: string[];
    prediction: IDriftFeature | null;
    current: { kind: string; path?: string; since?: string | null };
  };
}

export interface IPromoteCheck {
  metric: string;
  op: string;
  candidate: number | null;
  against: string;
  value: number | null;
  passed: boolean;
  margin?: number;
  detail?: string | null;
}

/** `POST models/{name}/versions/{version}/promote`. */
export interface IPromotion {
  name: string;
  alias: string;
  version: number;
  previous: number | null;
  checks: IPromoteCheck[];
  passed: boolean;
  moved: boolean;
  failure?: string | null;
}

export interface IPromoteRequest {
  alias: string;
  require: string[];
  holdout?: string | null;
  dry_run: boolean;
}

/** `POST …/retrain` (202) and `GET …/retrain/{job_id}`. */
export interface IRetrainJob {
  job_id: string;
  ref: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  result: IModelVersion | null;
  error: string | null;
  url: string;
}

export interface IRetrainRequest {
  data: Record<string, string>;
  alias?: string | null;
  verify?: boolean;
}

export interface ILifecycleAPI {
  driftReport(name: string, version: number): Promise<IDriftReport | null>;
  driftPlotURL(name: string, version: number): Promise<string>;
  promote(name: string, version: number, body: IPromoteRequest): Promise<IPromotion>;
  retrain(name: string, version: number, body: IRetrainRequest): Promise<IRetrainJob>;
  retrainJob(name: string, version: number, jobId: string): Promise<IRetrainJob>;
}

/** Whether an API object also has the lifecycle calls (the real server does). */
export function hasLifecycle(api: object): api is ILifecycleAPI {
  return 'driftReport' in api && 'promote' in api && 'retrain' in api;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function versionPath(name: string, version: number, ...rest: string[]): string {
  return ['models', name, 'versions', String(version), ...rest]
    .map(part => encodeURIComponent(part))
    .join('/');
}

/** The lifecycle calls of the Jupyter server this page came from. */
export function serverLifecycle(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): ILifecycleAPI {
  const post = <T>(path: string, body: unknown): Promise<T> =>
    requestAPI<T>(
      path,
      { method: 'POST', body: JSON.stringify(body), headers: JSON_HEADERS },
      settings
    );
  return {
    driftReport: async (name, version) => {
      try {
        return await requestAPI<IDriftReport>(versionPath(name, version, 'drift'), {}, settings);
      } catch (error) {
        if (error instanceof MlopsRequestError && error.kind === 'not-found') {
          return null; // never monitored: no badge
        }
        throw error;
      }
    },
    driftPlotURL: (name, version) =>
      fetchObjectURL(versionPath(name, version, 'drift', 'plot'), settings),
    promote: (name, version, body) => post(versionPath(name, version, 'promote'), body),
    retrain: (name, version, body) => post(versionPath(name, version, 'retrain'), body),
    retrainJob: (name, version, jobId) =>
      requestAPI<IRetrainJob>(versionPath(name, version, 'retrain', jobId), {}, settings)
  };
}

/** How often a running retrain job is asked how it goes. */
export const POLL_MS = 2000;

/**
 * Drift reports, promotion comparisons and retrain jobs per version.
 * `onSettled` runs when a promotion moved an alias or a retrain registered
 * a version, so the registry reloads what it shows.
 */
export class LifecycleModel {
  constructor(
    private readonly api: ILifecycleAPI,
    private readonly onSettled: (name: string) => Promise<void>
  ) {}

  get changed(): ISignal<LifecycleModel, void> {
    return this._changed;
  }

  /** The last drift report of a version: undefined until loaded, null if there is none. */
  drift(name: string, version: number): IDriftReport | null | undefined {
    return this._drift.get(key(name, version));
  }

  /** The comparison of the last dry run (or the move) asked for a version. */
  promotion(name: string, version: number): IPromotion | undefined {
    return this._promotions.get(key(name, version));
  }

  retrainJob(name: string, version: number): IRetrainJob | undefined {
    return this._jobs.get(key(name, version));
  }

  /** Why the last drift, promote or retrain request on a version failed. */
  error(name: string, version: number): MlopsRequestError | null {
    return this._errors.get(key(name, version)) ?? null;
  }

  busy(name: string, version: number): boolean {
    return this._busy.has(key(name, version));
  }

  /** Load the drift reports of these versions (one request each, together). */
  async loadDrift(name: string, versions: number[]): Promise<void> {
    await Promise.all(
      versions.map(async version => {
        try {
          this._drift.set(key(name, version), await this.api.driftReport(name, version));
        } catch (error) {
          this._errors.set(key(name, version), asRequestError(error));
        }
      })
    );
    this._changed.emit();
  }

  driftPlotURL(name: string, version: number): Promise<string> {
    return this.api.driftPlotURL(name, version);
  }

  /** The gate's comparison, without moving anything. */
  dryRun(name: string, version: number, request: Omit<IPromoteRequest, 'dry_run'>): Promise<void> {
    return this._run(name, version, async () => {
      const result = await this.api.promote(name, version, { ...request, dry_run: true });
      this._promotions.set(key(name, version), result);
    });
  }

  /** Move the alias, behind the same gate (the server checks it again). */
  promote(name: string, version: number, request: Omit<IPromoteRequest, 'dry_run'>): Promise<void> {
    return this._run(name, version, async () => {
      const result = await this.api.promote(name, version, { ...request, dry_run: false });
      this._promotions.set(key(name, version), result);
      await this.onSettled(name);
    });
  }

  /** Start retraining and follow the job until it ends. */
  retrain(name: string, version: number, request: IRetrainRequest): Promise<void> {
    return this._run(name, version, async () => {
      let job = await this.api.retrain(name, version, request);
      const id = key(name, version);
      this._jobs.set(id, job);
      this._changed.emit();
      while (job.status === 'queued' || job.status === 'running') {
        await new Promise(resolve => window.setTimeout(resolve, POLL_MS));
        job = await this.api.retrainJob(name, version, job.job_id);
        this._jobs.set(id, job);
        this._changed.emit();
      }
      if (job.status === 'succeeded') {
        await this.onSettled(name);
      }
    });
  }

  /** Forget a version's comparison (the form was closed). */
  clearPromotion(name: string, version: number): void {
    this._promotions.delete(key(name, version));
    this._errors.delete(key(name, version));
    this._changed.emit();
  }

  private async _run(name: string, version: number, work: () => Promise<void>): Promise<void> {
    const id = key(name, version);
    if (this._busy.has(id)) {
      return;
    }
    this._busy.add(id);
    this._errors.delete(id);
    this._changed.emit();
    try {
      await work();
    } catch (error) {
      this._errors.set(id, asRequestError(error));
    } finally {
      this._busy.delete(id);
      this._changed.emit();
    }
  }

  private _drift = new Map<string, IDriftReport | null>();
  private _promotions = new Map<string, IPromotion>();
  private _jobs = new Map<string, IRetrainJob>();
  private _errors = new Map<string, MlopsRequestError>();
  private _busy = new Set<string>();
  private _changed = new Signal<LifecycleModel, void>(this);
}

function key(name: string, version: number): string {
  return `${name}/${version}`;
}
