/**
 * The registry's REST calls, through the same request helper (base URL,
 * token, XSRF) as the rest of the API. `IRegistryAPI` is what the state
 * classes depend on, so tests can hand them a fake server.
 */
import { ServerConnection } from '@jupyterlab/services';

import { downloadFile, listModels, requestAPI } from '../request';
import type { IRegisteredModel } from '../schema';
import { type ILifecycleAPI, serverLifecycle } from './lifecycle';
import type {
  IModelDetail,
  IModelVersion,
  IRegisterRequest,
  IRunModels,
  IVerification
} from './types';

export interface IRegistryAPI {
  listModels(): Promise<IRegisteredModel[] | null>;
  getModel(name: string): Promise<IModelDetail>;
  runModels(runId: string): Promise<IRunModels>;
  register(body: IRegisterRequest): Promise<IModelVersion>;
  setAlias(name: string, alias: string, version: number): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  verify(name: string, version: number): Promise<IVerification>;
  download(name: string, version: number): Promise<void>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function modelPath(name: string, ...rest: (string | number)[]): string {
  return ['models', name, ...rest].map(part => encodeURIComponent(part)).join('/');
}

/** The registry API of the Jupyter server this page came from (with the lifecycle calls). */
export function serverRegistry(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): IRegistryAPI & ILifecycleAPI {
  return {
    ...serverLifecycle(settings),
    listModels: () => listModels(settings),
    getModel: name => requestAPI<IModelDetail>(modelPath(name), {}, settings),
    runModels: runId =>
      requestAPI<IRunModels>(`runs/${encodeURIComponent(runId)}/models`, {}, settings),
    register: body =>
      requestAPI<IModelVersion>(
        'models',
        { method: 'POST', body: JSON.stringify(body), headers: JSON_HEADERS },
        settings
      ),
    setAlias: async (name, alias, version) => {
      await requestAPI(
        modelPath(name, 'aliases', alias),
        { method: 'PUT', body: JSON.stringify({ version }), headers: JSON_HEADERS },
        settings
      );
    },
    deleteAlias: async (name, alias) => {
      await requestAPI(modelPath(name, 'aliases', alias), { method: 'DELETE' }, settings);
    },
    verify: (name, version) =>
      requestAPI<IVerification>(
        modelPath(name, 'versions', version, 'verify'),
        { method: 'POST' },
        settings
      ),
    download: (name, version) =>
      downloadFile(
        modelPath(name, 'versions', version, 'download'),
        `${name}-v${version}.zip`,
        settings
      )
  };
}
