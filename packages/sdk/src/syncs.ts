// Syncs and the change stream: `/v1/syncs` and `GET /v1/records`.
import { segment, type Calls } from './request-parts.js';
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
  /** How often a scheduled run is full (deletion detection); null = only when asked for. */
  fullFrequencySeconds: number | null;
  /** When the latest full run that succeeded ended. */
  lastFullRunAt: string | null;
  /**
   * From when scheduled runs are full: `lastFullRunAt` plus the full frequency (the creation time
   * before any full run succeeded); null without a full frequency.
   */
  fullRunDueAt: string | null;
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
  /**
   * How often a scheduled run is full, which detects deletions: `12h`, `1d`, `7d` or whole
   * seconds, 1 hour to 90 days. Absent: only the first run and runs asked for are full.
   */
  fullFrequency?: string | number;
}

/** What `syncs.update` changes; at least one. */
export interface SyncUpdate {
  /** `30s`, `15m`, `1h`, `1d` or whole seconds (10 s to 30 days). */
  frequency?: string | number;
  /** 1 hour to 90 days; null stops scheduled full runs. */
  fullFrequency?: string | number | null;
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
  /** Changes how often it runs and how often its scheduled run is full (`PATCH /v1/syncs/{id}`). */
  update(id: string, body: SyncUpdate, options?: CallOptions): Promise<Sync>;
  list(params?: { connection?: string }, options?: CallOptions): Promise<Sync[]>;
  /** The sync with its latest run's progress. */
  get(id: string, options?: CallOptions): Promise<Sync>;
  /** Recent runs, newest first. */
  runs(id: string, options?: CallOptions): Promise<SyncRun[]>;
  /** Runs it now (resuming an interrupted run); `full: true` for a full run with deletion detection. */
  run(id: string, body?: { full?: boolean }, options?: CallOptions): Promise<SyncRun>;
}

/** A data-quality finding between two connections, as `POST /v1/data/conflicts` reports them. */
export type DataFinding =
  | { kind: 'missing_in_a'; key: string; bId: string }
  | { kind: 'missing_in_b'; key: string; aId: string }
  | {
      kind: 'contradiction';
      key: string;
      field: string;
      aId: string;
      bId: string;
      a: unknown;
      b: unknown;
    }
  | { kind: 'duplicate_key'; side: 'a' | 'b'; key: string; ids: string[] }
  | { kind: 'no_match_key'; side: 'a' | 'b'; id: string };

export interface ConflictsParams {
  /** Two connection ids, each with a sync of `model`. */
  a: string;
  b: string;
  /** Defaults to `Contact`. */
  model?: string;
  /** The unified field records are matched on; defaults to `email`. */
  matchOn?: string;
  /** Fields to compare; defaults to every field both records have. */
  fields?: readonly string[];
  nullIsContradiction?: boolean;
  cursor?: string;
  /** Records per page, both connections together (default and at most 5,000). */
  limit?: number;
}

export interface ConflictsPage {
  findings: DataFinding[];
  /** Records compared in this page, per side. */
  compared: { a: number; b: number };
  /** Pass it back as `cursor`; null after the last page. */
  nextCursor: string | null;
}

export interface RecordsApi {
  /** One page of the change stream after `cursor`. */
  changes<R = unknown>(params: ChangesParams, options?: CallOptions): Promise<ChangesPage<R>>;
  /**
   * One page of data-quality findings between two connections' synced records
   * (`GET /v1/records/conflicts`); each page holds whole match keys, so its findings are final.
   */
  conflicts(params: ConflictsParams, options?: CallOptions): Promise<ConflictsPage>;
}

const SYNC_ID_HINT = 'pass a sync id such as "sync_…" from syncs.list() or syncs.create()';

export function syncApis(calls: Calls): { syncs: SyncsApi; records: RecordsApi } {
  const syncPath = (id: string) => `/v1/syncs/${segment(id, 'id', SYNC_ID_HINT)}`;
  return {
    syncs: {
      async create(body, call) {
        return calls.json<Sync>({ method: 'POST', path: '/v1/syncs', json: body }, call);
      },
      async update(id, body, call) {
        return calls.json<Sync>({ method: 'PATCH', path: syncPath(id), json: body }, call);
      },
      async list(params = {}, call) {
        return calls.list<Sync>(
          { method: 'GET', path: '/v1/syncs', query: { connection: params.connection } },
          call,
        );
      },
      async get(id, call) {
        return calls.json<Sync>({ method: 'GET', path: syncPath(id) }, call);
      },
      async runs(id, call) {
        return calls.list<SyncRun>({ method: 'GET', path: `${syncPath(id)}/runs` }, call);
      },
      async run(id, body = {}, call) {
        return calls.json<SyncRun>(
          { method: 'POST', path: `${syncPath(id)}/runs`, json: body },
          call,
        );
      },
    },
    records: {
      async changes<R>(params: ChangesParams, call?: CallOptions) {
        return calls.json<ChangesPage<R>>(
          {
            method: 'GET',
            path: '/v1/records',
            query: {
              connection: params.connection,
              model: params.model,
              cursor: params.cursor,
              limit: params.limit === undefined ? undefined : String(params.limit),
            },
          },
          call,
        );
      },
      async conflicts(params: ConflictsParams, call?: CallOptions) {
        return calls.json<ConflictsPage>(
          {
            method: 'GET',
            path: '/v1/records/conflicts',
            query: {
              a: params.a,
              b: params.b,
              model: params.model,
              matchOn: params.matchOn,
              fields: params.fields === undefined ? undefined : params.fields.join(','),
              nullIsContradiction:
                params.nullIsContradiction === undefined
                  ? undefined
                  : String(params.nullIsContradiction),
              cursor: params.cursor,
              limit: params.limit === undefined ? undefined : String(params.limit),
            },
          },
          call,
        );
      },
    },
  };
}
