/**
 * Whether the active notebook's kernel is tracked, and how to start tracking
 * it. The state comes from the server (`GET /tracking`), so the status bar
 * never has to talk to the kernel; only the track command does.
 */
import type { Kernel } from '@jupyterlab/services';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { asRequestError, getTracking, MlopsRequestError } from './request';
import type { ITracking } from './schema';

/** What the track command runs in the kernel. */
export const TRACK_CODE = '%load_ext jupyter_mlops\n%track';
/** Tracking rarely changes behind our back: a slow poll is enough. */
const POLL_INTERVAL_MS = 10_000;
/** After `%track`, how often and how many times to ask until the server agrees. */
const CONFIRM_INTERVAL_MS = 1000;
const CONFIRM_TRIES = 30;

export class TrackingModel {
  /**
   * @param fetchTracking how to query `GET /tracking`; replaceable in tests
   */
  constructor(
    private readonly fetchTracking: (kernelId: string) => Promise<ITracking> = getTracking
  ) {
    this._poll = new Poll({
      factory: () => this.refresh(),
      frequency: { interval: POLL_INTERVAL_MS, backoff: true, max: 60_000 },
      standby: 'when-hidden',
      name: 'jupyter-mlops:tracking'
    });
  }

  get changed(): ISignal<TrackingModel, void> {
    return this._changed;
  }

  /** Kernel of the active notebook, or null when there is none. */
  get kernelId(): string | null {
    return this._kernelId;
  }

  /** Last answer for `kernelId`; null while unknown. */
  get tracking(): ITracking | null {
    return this._tracking;
  }

  get error(): MlopsRequestError | null {
    return this._error;
  }

  /**
   * Whether to show the kernel as tracked: the server says so, or the kernel
   * itself just confirmed `%track` and the server has not seen the session
   * yet (the kernel's writer records it when the kernel pauses). Every item
   * that shows tracking reads this, so they never disagree.
   */
  get isTracked(): boolean {
    return (this._tracking?.tracked ?? false) || this._confirmed === this._kernelId;
  }

  /**
   * The track command succeeded in `kernelId`: show it as tracked now, and
   * ask the server again each second until it agrees (or CONFIRM_TRIES pass,
   * after which the server's answer counts alone).
   */
  async confirmTracked(kernelId: string): Promise<void> {
    this._confirmed = kernelId;
    this._changed.emit();
    for (let i = 0; i < CONFIRM_TRIES && this._confirmed === kernelId; i++) {
      await this.refresh();
      if (this._confirmed !== kernelId) {
        return;
      }
      await new Promise(resolve => setTimeout(resolve, CONFIRM_INTERVAL_MS));
    }
    if (this._confirmed === kernelId) {
      this._confirmed = null;
      this._changed.emit();
    }
  }

  setKernel(kernelId: string | null): Promise<void> {
    if (kernelId === this._kernelId) {
      return Promise.resolve();
    }
    this._kernelId = kernelId;
    this._tracking = null;
    this._error = null;
    this._confirmed = null;
    this._changed.emit();
    return this.refresh();
  }

  async refresh(): Promise<void> {
    const kernelId = this._kernelId;
    if (kernelId === null) {
      return;
    }
    try {
      const tracking = await this.fetchTracking(kernelId);
      if (kernelId !== this._kernelId) {
        return; // The user switched notebooks meanwhile.
      }
      this._tracking = tracking;
      this._error = null;
      if (tracking.tracked) {
        this._confirmed = null; // The server knows now; from here on it decides.
      }
    } catch (error) {
      if (kernelId !== this._kernelId) {
        return;
      }
      this._error = asRequestError(error);
    }
    this._changed.emit();
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _kernelId: string | null = null;
  private _tracking: ITracking | null = null;
  private _confirmed: string | null = null;
  private _error: MlopsRequestError | null = null;
  private _poll: Poll;
  private _changed = new Signal<TrackingModel, void>(this);
}

/**
 * Load the extension and start tracking in `kernel`.
 *
 * @throws Error with the kernel's error message when either line fails
 */
export async function trackKernel(
  kernel: Kernel.IKernelConnection
): Promise<void> {
  const future = kernel.requestExecute({
    code: TRACK_CODE,
    // Not silent: the magic's confirmation (or warning) is useful output,
    // but it should not be in the user's input history.
    silent: false,
    store_history: false
  });
  const failures: string[] = [];
  future.onIOPub = message => {
    if (message.header.msg_type === 'error') {
      const content = message.content as { ename?: string; evalue?: string };
      failures.push(`${content.ename ?? 'Error'}: ${content.evalue ?? ''}`);
    }
  };
  const reply = await future.done;
  if (reply.content.status !== 'ok' || failures.length > 0) {
    throw new Error(failures[0] ?? `kernel answered ${reply.content.status}`);
  }
}
