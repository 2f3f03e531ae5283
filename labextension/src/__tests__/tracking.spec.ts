import type { Kernel, KernelMessage } from '@jupyterlab/services';

import { MlopsRequestError } from '../request';
import type { ITracking } from '../schema';
import { TRACK_CODE, trackKernel, TrackingModel } from '../tracking';

const tracked = (kernel_id: string, value = true): ITracking => ({ kernel_id, tracked: value });

describe('TrackingModel', () => {
  it('asks about the active kernel and forgets the previous answer', async () => {
    const fetch = jest.fn(async (id: string) => tracked(id, id === 'k1'));
    const model = new TrackingModel(fetch);
    await model.setKernel('k1');
    expect(model.tracking?.tracked).toBe(true);

    const switching = model.setKernel('k2');
    expect(model.tracking).toBeNull();
    await switching;
    expect(model.tracking).toEqual(tracked('k2', false));
    model.dispose();
  });

  it('ignores an answer about a kernel that is no longer active', async () => {
    let release: (t: ITracking) => void = () => undefined;
    const fetch = jest
      .fn<Promise<ITracking>, [string]>()
      .mockReturnValueOnce(new Promise(resolve => (release = resolve)))
      .mockResolvedValueOnce(tracked('k2', false));
    const model = new TrackingModel(fetch);
    const first = model.setKernel('k1');
    await model.setKernel('k2');
    release(tracked('k1'));
    await first;
    expect(model.tracking).toEqual(tracked('k2', false));
    model.dispose();
  });

  it('shows a kernel that confirmed %track as tracked until the server agrees', async () => {
    let serverKnows = false;
    const fetch = jest.fn(async (id: string) => tracked(id, serverKnows));
    const model = new TrackingModel(fetch);
    await model.setKernel('k1');
    expect(model.isTracked).toBe(false);
    const confirming = model.confirmTracked('k1');
    // The server has not seen the session yet, the kernel has: tracked.
    expect(model.isTracked).toBe(true);
    serverKnows = true;
    await confirming;
    expect(model.isTracked).toBe(true);
    // From then on the server decides (e.g. the kernel was restarted untracked).
    serverKnows = false;
    await model.refresh();
    expect(model.isTracked).toBe(false);
    model.dispose();
  });

  it('keeps the error and asks nothing without a kernel', async () => {
    const fetch = jest.fn(() => Promise.reject(new MlopsRequestError('server', 500, 'x')));
    const model = new TrackingModel(fetch);
    await model.setKernel('k1');
    expect(model.error?.status).toBe(500);
    await model.setKernel(null);
    await model.refresh();
    expect(fetch).toHaveBeenCalledTimes(1);
    model.dispose();
  });
});

/** A kernel whose execute request ends with `status` after emitting `iopub`. */
function fakeKernel(
  status: 'ok' | 'error',
  iopub: Partial<KernelMessage.IIOPubMessage>[] = []
): { kernel: Kernel.IKernelConnection; requests: KernelMessage.IExecuteRequestMsg['content'][] } {
  const requests: KernelMessage.IExecuteRequestMsg['content'][] = [];
  const kernel = {
    requestExecute: (content: KernelMessage.IExecuteRequestMsg['content']) => {
      requests.push(content);
      const future = {
        onIOPub: (_: KernelMessage.IIOPubMessage) => undefined,
        done: Promise.resolve().then(() => {
          iopub.forEach(message => future.onIOPub(message as KernelMessage.IIOPubMessage));
          return { content: { status } };
        })
      };
      return future;
    }
  } as unknown as Kernel.IKernelConnection;
  return { kernel, requests };
}

describe('trackKernel', () => {
  it('loads the extension and starts tracking, outside the input history', async () => {
    const { kernel, requests } = fakeKernel('ok');
    await trackKernel(kernel);
    expect(requests).toEqual([
      expect.objectContaining({ code: TRACK_CODE, store_history: false })
    ]);
    expect(TRACK_CODE).toBe('%load_ext jupyter_mlops\n%track');
  });

  it('reports the kernel’s error', async () => {
    const { kernel } = fakeKernel('error', [
      {
        header: { msg_type: 'error' } as KernelMessage.IHeader<'error'>,
        content: { ename: 'ModuleNotFoundError', evalue: 'No module named jupyter_mlops', traceback: [] }
      }
    ]);
    await expect(trackKernel(kernel)).rejects.toThrow(
      'ModuleNotFoundError: No module named jupyter_mlops'
    );
  });
});
