import { JoineryError } from './errors.js';
import type { CallOptions, Page } from './types.js';
import { readEmpty, readJson } from './answers.js';
import type { SentRequest, Transport } from './transport.js';

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

function checkId(name: string, value: string): string {
  if (typeof value !== 'string' || value === '')
    throw new JoineryError({
      code: 'invalid_input',
      message: `${name} is empty: pass an id from the list or from the submission.`,
      retryable: false,
    });
  return encodeURIComponent(value);
}

const FINAL = new Set<RunStatus>(['succeeded', 'failed', 'cancelled', 'dead']);

export function runApis(transport: Transport): { runs: RunsApi; flows: FlowsApi } {
  const signal = (call: CallOptions | undefined) =>
    call?.signal === undefined ? {} : { signal: call.signal };
  const accepted = async (sent: SentRequest): Promise<RunAccepted> => ({
    ...((await readJson(sent)) as Omit<RunAccepted, 'replayed'>),
    replayed: sent.response.headers.get('idempotent-replayed') === 'true',
  });
  const runs: RunsApi = {
    async submit(connectionId, action, input, call = {}) {
      const sent = await transport.send({
        method: 'POST',
        path: `/v1/connections/${checkId('connectionId', connectionId)}/actions/${checkId('action', action)}`,
        json: { input, async: true, ...(call.retry === undefined ? {} : { retry: call.retry }) },
        ...(call.idempotencyKey === undefined
          ? {}
          : { headers: { 'idempotency-key': call.idempotencyKey } }),
        ...signal(call),
      });
      return accepted(sent);
    },
    async get<O>(id: string, call?: CallOptions) {
      const sent = await transport.send({
        method: 'GET',
        path: `/v1/runs/${checkId('id', id)}`,
        ...signal(call),
      });
      return (await readJson(sent)) as Run<O>;
    },
    async cancel(id, call) {
      const sent = await transport.send({
        method: 'POST',
        path: `/v1/runs/${checkId('id', id)}/cancel`,
        ...signal(call),
      });
      return (await readJson(sent)) as Run;
    },
    async list(params = {}, call) {
      const sent = await transport.send({
        method: 'GET',
        path: '/v1/runs',
        query: {
          status: params.status,
          flow: params.flow,
          connection: params.connection,
          limit: params.limit,
          cursor: params.cursor,
        },
        ...signal(call),
      });
      return (await readJson(sent)) as Page<Run>;
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
      const sent = await transport.send({
        method: 'POST',
        path: '/v1/flows',
        json: definition,
        ...signal(call),
      });
      return (await readJson(sent)) as Flow;
    },
    async list(call) {
      const sent = await transport.send({ method: 'GET', path: '/v1/flows', ...signal(call) });
      return ((await readJson(sent)) as { data: Flow[] }).data;
    },
    async get(id, call) {
      const sent = await transport.send({
        method: 'GET',
        path: `/v1/flows/${checkId('id', id)}`,
        ...signal(call),
      });
      return (await readJson(sent)) as Flow;
    },
    async delete(id, call) {
      const sent = await transport.send({
        method: 'DELETE',
        path: `/v1/flows/${checkId('id', id)}`,
        ...signal(call),
      });
      await readEmpty(sent);
    },
    async run(id, input = {}, call) {
      const sent = await transport.send({
        method: 'POST',
        path: `/v1/flows/${checkId('id', id)}/runs`,
        json: { input },
        ...signal(call),
      });
      return accepted(sent);
    },
  };
  return { runs, flows };
}
