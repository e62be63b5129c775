// Syncs and the change stream: `/v1/syncs` and `GET /v1/records`.
import { readJson } from './answers.js';
import { JoineryError } from './errors.js';
import type { Transport } from './transport.js';
import type { CallOptions } from './types.js';

export type SyncRunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface SyncRun {
  id: string;
  syncId: string;
  kind: 'full' | 'incremental';
  /** `succeeded` only when every page was stored (and, for a full run, deletions applied). */
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** More than 1 when the run resumed after an interruption or failure. */
  attempts: number;
  records: { seen: number; added: number; updated: number; deleted: number; total: number | null };
  pages: number;
  recordsPerSecond: number | null;
  /** The change stream range the run wrote: read it with `records.changes({cursor: from})`. */
  changes: { from: string; to: string } | null;
  error: { code: string; message: string; retryable: boolean; requestId?: string } | null;
}

export interface Sync {
  id: string;
  connectionId: string;
  name: string;
  model: string;
  frequencySeconds: number;
  enabled: boolean;
  checkpoint: string | null;
  nextRunAt: string | null;
  state: 'idle' | 'running';
  createdAt: string;
  latestRun: SyncRun | null;
}

export interface SyncInput {
  connection: string;
  /** The connector's sync name, e.g. `contacts`. */
  sync: string;
  /** `30s`, `15m`, `1h`, `1d` or whole seconds; the sync's default when absent. */
  frequency?: string | number;
}

export interface RecordChange<R = unknown> {
  op: 'added' | 'updated' | 'deleted';
  id: string;
  record: R;
}

export interface ChangesPage<R = unknown> {
  changes: RecordChange<R>[];
  /** Pass it back as `cursor` to read on; it does not move when there was nothing new. */
  nextCursor: string;
  hasMore: boolean;
}

export interface ChangesParams {
  connection: string;
  model: string;
  cursor?: string;
  limit?: number;
}

export interface SyncsApi {
  create(body: SyncInput, options?: CallOptions): Promise<Sync>;
  list(params?: { connection?: string }, options?: CallOptions): Promise<Sync[]>;
  /** The sync with its latest run's progress. */
  get(id: string, options?: CallOptions): Promise<Sync>;
  /** Recent runs, newest first. */
  runs(id: string, options?: CallOptions): Promise<SyncRun[]>;
  /** Runs it now (resuming an interrupted run); `full: true` for a full run with deletion detection. */
  run(id: string, body?: { full?: boolean }, options?: CallOptions): Promise<SyncRun>;
}

export interface RecordsApi {
  /** One page of the change stream after `cursor`. */
  changes<R = unknown>(params: ChangesParams, options?: CallOptions): Promise<ChangesPage<R>>;
}

function checkId(name: string, value: string): string {
  if (typeof value !== 'string' || value === '')
    throw new JoineryError({
      code: 'invalid_input',
      message: `${name} is empty: pass an id from syncs.list() or syncs.create().`,
      retryable: false,
    });
  return encodeURIComponent(value);
}

export function syncApis(transport: Transport): { syncs: SyncsApi; records: RecordsApi } {
  const signal = (call: CallOptions | undefined) =>
    call?.signal === undefined ? {} : { signal: call.signal };
  const list = async <T>(
    path: string,
    query: Record<string, string | undefined>,
    call?: CallOptions,
  ) => {
    const sent = await transport.send({ method: 'GET', path, query, ...signal(call) });
    const body = (await readJson(sent)) as { data?: unknown };
    if (!Array.isArray(body.data))
      throw new JoineryError({
        code: 'internal',
        message: `Joinery answered GET ${path} without a "data" list.`,
        retryable: false,
      });
    return body.data as T[];
  };
  return {
    syncs: {
      async create(body, call) {
        const sent = await transport.send({
          method: 'POST',
          path: '/v1/syncs',
          json: body,
          ...signal(call),
        });
        return (await readJson(sent)) as Sync;
      },
      list(params = {}, call) {
        return list<Sync>('/v1/syncs', { connection: params.connection }, call);
      },
      async get(id, call) {
        const sent = await transport.send({
          method: 'GET',
          path: `/v1/syncs/${checkId('id', id)}`,
          ...signal(call),
        });
        return (await readJson(sent)) as Sync;
      },
      runs(id, call) {
        return list<SyncRun>(`/v1/syncs/${checkId('id', id)}/runs`, {}, call);
      },
      async run(id, body = {}, call) {
        const sent = await transport.send({
          method: 'POST',
          path: `/v1/syncs/${checkId('id', id)}/runs`,
          json: body,
          ...signal(call),
        });
        return (await readJson(sent)) as SyncRun;
      },
    },
    records: {
      async changes<R>(params: ChangesParams, call?: CallOptions) {
        const sent = await transport.send({
          method: 'GET',
          path: '/v1/records',
          query: {
            connection: params.connection,
            model: params.model,
            cursor: params.cursor,
            limit: params.limit === undefined ? undefined : String(params.limit),
          },
          ...signal(call),
        });
        return (await readJson(sent)) as ChangesPage<R>;
      },
    },
  };
}
