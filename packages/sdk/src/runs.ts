import { readJson } from './answers.js';
import { JoineryError } from './errors.js';
import { actionPath, idempotencyHeader, segment, type Calls } from './request-parts.js';
import type { SentRequest } from './transport.js';
import type { CallOptions, Page } from './types.js';

export type RunStatus =
  'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'dead';

/** One step of a run's timeline. */
export interface RunStep {
  key: string;
  type: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  resumeAt: string | null;
}

export interface Run<O = unknown> {
  id: string;
  kind: 'action' | 'flow';
  status: RunStatus;
  connectionId: string | null;
  tenant: string | null;
  action: string | null;
  flowId: string | null;
  trigger: Record<string, unknown>;
  input: unknown;
  output: O | null;
  error: { code: string; message: string; retryable: boolean; [key: string]: unknown } | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When cancellation was asked for (`runs.cancel`); a running run stays `running` until its worker stops it. */
  cancelRequestedAt: string | null;
  /** Present on `runs.get`. */
  steps?: RunStep[];
}

export interface RunAccepted {
  runId: string;
  status: RunStatus;
  run: Run;
  /** True when an `Idempotency-Key` matched an earlier submission: this is its run. */
  replayed: boolean;
}

export interface Flow {
  id: string;
  name: string;
  definition: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  nextFireAt: string | null;
}

export interface ListRunsParams {
  status?: RunStatus;
  flow?: string;
  connection?: string;
  limit?: number;
  cursor?: string;
}

export interface RunsApi {
  /** `POST …/actions/{action}` with `"async": true`: queued at once, executed by a worker. */
  submit(
    connectionId: string,
    action: string,
    input: unknown,
    options?: CallOptions & {
      idempotencyKey?: string;
      /** Executions before the run is given up and dead-lettered: 1 to 50 (default 8). */
      retry?: { maxAttempts?: number };
    },
  ): Promise<RunAccepted>;
  get<O = unknown>(id: string, options?: CallOptions): Promise<Run<O>>;
  list(params?: ListRunsParams, options?: CallOptions): Promise<Page<Run>>;
  /**
   * `POST /v1/runs/{id}/cancel`. A queued, backing-off or waiting run comes back `cancelled`; a
   * running one comes back still `running` with `cancelRequestedAt` set — its worker stops it
   * before its next step (`wait` for the end). Cancelling a cancelled run returns it; a run that
   * ended otherwise is a `conflict` error.
   */
  cancel(id: string, options?: CallOptions): Promise<Run>;
  /** Polls until the run ended: succeeded, failed, cancelled or dead (or `timeoutMs`, default 60 s, passes). */
  wait<O = unknown>(
    id: string,
    options?: CallOptions & { timeoutMs?: number; intervalMs?: number },
  ): Promise<Run<O>>;
}

export interface FlowsApi {
  /** Creates the flow, or replaces the definition of the flow with the same name. */
  put(definition: Record<string, unknown>, options?: CallOptions): Promise<Flow>;
  list(options?: CallOptions): Promise<Flow[]>;
  get(id: string, options?: CallOptions): Promise<Flow>;
  delete(id: string, options?: CallOptions): Promise<void>;
  /** Starts a run; `input` is the flow's `trigger`. */
  run(id: string, input?: unknown, options?: CallOptions): Promise<RunAccepted>;
}

const RUN_ID_HINT = 'pass a run id such as "run_…" from runs.list() or the submission';
const FLOW_ID_HINT = 'pass a flow id such as "flow_…" from flows.list() or flows.put()';

const FINAL = new Set<RunStatus>(['succeeded', 'failed', 'cancelled', 'dead']);

export function runApis(calls: Calls): { runs: RunsApi; flows: FlowsApi } {
  const runPath = (id: string) => `/v1/runs/${segment(id, 'id', RUN_ID_HINT)}`;
  const flowPath = (id: string) => `/v1/flows/${segment(id, 'id', FLOW_ID_HINT)}`;
  const accepted = async (sent: SentRequest): Promise<RunAccepted> => ({
    ...((await readJson(sent)) as Omit<RunAccepted, 'replayed'>),
    replayed: sent.response.headers.get('idempotent-replayed') === 'true',
  });
  const runs: RunsApi = {
    async submit(connectionId, action, input, call = {}) {
      const sent = await calls.send(
        {
          method: 'POST',
          path: actionPath(connectionId, action),
          json: { input, async: true, ...(call.retry === undefined ? {} : { retry: call.retry }) },
          headers: idempotencyHeader(call.idempotencyKey),
        },
        call,
      );
      return accepted(sent);
    },
    async get<O>(id: string, call?: CallOptions) {
      return calls.json<Run<O>>({ method: 'GET', path: runPath(id) }, call);
    },
    async cancel(id, call) {
      return calls.json<Run>({ method: 'POST', path: `${runPath(id)}/cancel` }, call);
    },
    async list(params = {}, call) {
      return calls.page<Run>(
        {
          method: 'GET',
          path: '/v1/runs',
          query: {
            status: params.status,
            flow: params.flow,
            connection: params.connection,
            limit: params.limit,
            cursor: params.cursor,
          },
        },
        call,
      );
    },
    async wait<O>(
      id: string,
      call: CallOptions & { timeoutMs?: number; intervalMs?: number } = {},
    ) {
      const deadline = Date.now() + (call.timeoutMs ?? 60_000);
      for (;;) {
        const run = await runs.get<O>(id, call);
        if (FINAL.has(run.status)) return run;
        if (Date.now() >= deadline)
          throw new JoineryError({
            code: 'timeout',
            message: `run ${id} is still ${run.status} after ${call.timeoutMs ?? 60_000} ms; wait longer or check GET /v1/runs/${id}`,
            retryable: true,
          });
        await new Promise((resolve) => setTimeout(resolve, call.intervalMs ?? 500));
      }
    },
  };
  const flows: FlowsApi = {
    async put(definition, call) {
      return calls.json<Flow>({ method: 'POST', path: '/v1/flows', json: definition }, call);
    },
    async list(call) {
      return calls.list<Flow>({ method: 'GET', path: '/v1/flows' }, call);
    },
    async get(id, call) {
      return calls.json<Flow>({ method: 'GET', path: flowPath(id) }, call);
    },
    async delete(id, call) {
      return calls.empty({ method: 'DELETE', path: flowPath(id) }, call);
    },
    async run(id, input = {}, call) {
      return accepted(
        await calls.send({ method: 'POST', path: `${flowPath(id)}/runs`, json: { input } }, call),
      );
    },
  };
  return { runs, flows };
}
