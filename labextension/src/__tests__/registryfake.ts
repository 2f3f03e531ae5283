import type { IRegistryAPI } from '../models/api';
import type { IModelDetail, IModelVersion, IRunModels } from '../models/types';
import { MlopsRequestError } from '../request';
import type { IRegisteredModel } from '../schema';

/** A version object with sensible defaults; override what a test is about. */
export function version(name: string, number: number, fields: Partial<IModelVersion> = {}): IModelVersion {
  return {
    name,
    version: number,
    run_id: `run-${number}`,
    created: '2026-01-01T00:00:00.000Z',
    aliases: [],
    metrics: { accuracy: 0.9 },
    verification: { status: 'unverified' },
    ...fields
  };
}

/**
 * An in-memory registry with the contract's behaviour for what the state
 * classes use: versions per name, aliases that move, a history of moves.
 */
export class FakeRegistry implements IRegistryAPI {
  details = new Map<string, IModelDetail>();
  offers = new Map<string, IRunModels>();
  registered: unknown[] = [];
  /** Set to make the next call of that method fail. */
  failNext: Partial<Record<keyof IRegistryAPI, MlopsRequestError>> = {};
  downloads: string[] = [];

  async listModels(): Promise<IRegisteredModel[] | null> {
    this.check('listModels');
    return [...this.details.values()].map(detail => ({
      name: detail.name,
      latest_version: detail.versions[0]?.version ?? null,
      aliases: { ...detail.aliases },
      versions_count: detail.versions.length
    }));
  }

  async getModel(name: string) {
    this.check('getModel');
    const detail = this.details.get(name);
    if (!detail) {
      throw new MlopsRequestError('not-found', 404, `no model named ${name}`);
    }
    return JSON.parse(JSON.stringify(detail)) as IModelDetail;
  }

  async runModels(runId: string) {
    this.check('runModels');
    const offer = this.offers.get(runId);
    if (!offer) {
      throw new MlopsRequestError('not-found', 404, `unknown run ${runId}`);
    }
    return offer;
  }

  async register(body: { run_id: string; name: string; alias?: string }) {
    this.check('register');
    this.registered.push(body);
    const detail = this.details.get(body.name) ?? {
      name: body.name,
      aliases: {},
      versions: [],
      alias_history: []
    };
    const created = version(body.name, detail.versions.length + 1, { run_id: body.run_id });
    detail.versions.unshift(created);
    this.details.set(body.name, detail);
    if (body.alias) {
      await this.setAlias(body.name, body.alias, created.version);
    }
    return created;
  }

  async setAlias(name: string, alias: string, to: number) {
    this.check('setAlias');
    const detail = this.details.get(name)!;
    const from = detail.aliases[alias] ?? null;
    detail.aliases[alias] = to;
    for (const entry of detail.versions) {
      entry.aliases = entry.aliases.filter(a => a !== alias);
      if (entry.version === to) {
        entry.aliases.push(alias);
      }
    }
    detail.alias_history.push({ alias, from_version: from, to_version: to, user: 'ana', at: '2026-01-02T00:00:00Z' });
  }

  async deleteAlias(name: string, alias: string) {
    this.check('deleteAlias');
    const detail = this.details.get(name)!;
    if (!(alias in detail.aliases)) {
      throw new MlopsRequestError('not-found', 404, `no alias ${alias}`);
    }
    const from = detail.aliases[alias];
    delete detail.aliases[alias];
    for (const entry of detail.versions) {
      entry.aliases = entry.aliases.filter(a => a !== alias);
    }
    detail.alias_history.push({ alias, from_version: from, to_version: null, user: 'ana', at: '2026-01-03T00:00:00Z' });
  }

  async verify(name: string, number: number) {
    this.check('verify');
    const entry = this.details.get(name)!.versions.find(v => v.version === number)!;
    entry.verification = { status: 'reproduced', at: '2026-01-04T00:00:00Z', differences: [] };
    return entry.verification;
  }

  async download(name: string, number: number) {
    this.check('download');
    this.downloads.push(`${name}/${number}`);
  }

  private check(method: keyof IRegistryAPI): void {
    const failure = this.failNext[method];
    if (failure) {
      delete this.failNext[method];
      throw failure;
    }
  }
}
