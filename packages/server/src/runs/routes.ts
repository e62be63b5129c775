import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import {
  JoineryError,
  MAX_ATTEMPTS_LIMIT,
  RUN_STATUSES,
  type Engine,
  type FlowView,
} from '@joinery/engine';
import { errorBody, errors, json, runRetry, security } from '../schemas.js';
import type { AppEnv } from '../app.js';

export const runStep = z
  .object({
    key: z.string().openapi({ description: 'Step id; `forEachId[i].stepId` inside a for-each' }),
    type: z.string(),
    status: z.string().openapi({
      description:
        'running · succeeded · failed · waiting · cancelled (a wait the run’s cancellation ended)',
    }),
    input: z.unknown(),
    output: z.unknown(),
    error: z.unknown(),
    attempts: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    resumeAt: z.string().nullable(),
  })
  .openapi('RunStep');

export const run = z
  .object({
    id: z.string(),
    kind: z.enum(['action', 'flow']),
    status: z.enum(RUN_STATUSES),
    connectionId: z.string().nullable(),
    tenant: z.string().nullable(),
    action: z.string().nullable(),
    flowId: z.string().nullable(),
    trigger: z.record(z.string(), z.unknown()),
    input: z.unknown(),
    output: z.unknown(),
    error: z.unknown(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    cancelRequestedAt: z.string().nullable().openapi({
      description:
        'When cancellation was asked for; a running run stays `running` until its worker stops it before its next step',
    }),
    steps: z.array(runStep).optional(),
  })
  .openapi('Run');

export const runAccepted = z
  .object({ runId: z.string(), status: z.string(), run })
  .openapi('RunAccepted');

const flow = z
  .object({
    id: z.string(),
    name: z.string(),
    definition: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
    nextFireAt: z.string().nullable(),
  })
  .openapi('Flow');

const flowBody = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    trigger: z.record(z.string(), z.unknown()).openapi({
      description:
        '`{type:"api"}`, `{type:"schedule", cron, timezone?}`, `{type:"webhook", integration, event?}` or `{type:"event", event}`',
    }),
    steps: z.array(z.record(z.string(), z.unknown())).openapi({
      description:
        'Steps: `action` (connection, action, input | inputExpression), `transform` (expression), `condition` (if, then, else), `forEach` (items, steps), `wait` (seconds), `webhook` (event, data). Expressions are JSONata over `{trigger, steps, item, index}`. See docs/runs.md.',
    }),
  })
  .openapi('FlowInput');

function flowJson(view: FlowView) {
  return {
    ...view,
    definition: JSON.parse(JSON.stringify(view.definition)) as Record<string, unknown>,
  };
}

/** Runs (async actions and flows), flows and their triggers. */
export function registerRunRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/runs',
      summary: 'Runs, newest first',
      security,
      request: {
        query: z.object({
          status: z.enum(RUN_STATUSES).optional(),
          flow: z.string().optional(),
          connection: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          cursor: z.string().optional(),
        }),
      },
      responses: {
        200: json(z.object({ data: z.array(run), nextCursor: z.string().nullable() }), 'Runs'),
        ...errors,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await engine.runs.list(c.get('scope'), {
        ...(query.status ? { status: query.status } : {}),
        ...(query.flow ? { flowId: query.flow } : {}),
        ...(query.connection ? { connectionId: query.connection } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/runs/{id}',
      summary:
        'A run with its step-by-step timeline (inputs, outputs, attempts, errors, durations)',
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(run, 'The run'), ...errors },
    }),
    async (c) => c.json(await engine.runs.get(c.get('scope'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/runs/{id}/cancel',
      summary:
        'Cancel a run: a queued, backing-off or waiting run at once (200); a running one before its next step (202, the step in flight completes)',
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: json(run, 'Cancelled (also when it already was): `run.cancelled` is sent'),
        202: json(
          run,
          'Running: cancellation is asked for (`cancelRequestedAt`); its worker stops it before its next step — within a third of JOINERY_RUN_LEASE_MS — unless it ends first',
        ),
        409: json(errorBody, 'The run already ended (succeeded, failed or dead)'),
        ...errors,
      },
    }),
    async (c) => {
      const { run: view, pending } = await engine.runs.cancel(
        c.get('scope'),
        c.req.valid('param').id,
        (tx, environmentId, event) => engine.outgoing.emit(environmentId, event, { db: tx }),
      );
      return pending ? c.json(view, 202) : c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/flows',
      summary: 'Create a flow, or replace the definition of the flow with the same name',
      security,
      request: { body: { content: { 'application/json': { schema: flowBody } }, required: true } },
      responses: { 201: json(flow, 'The flow'), ...errors },
    }),
    async (c) => {
      const scope = c.get('scope');
      const created = await engine.runs.putFlow(scope.environmentId, c.req.valid('json'));
      return c.json(flowJson(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/flows',
      summary: 'Flows',
      security,
      responses: { 200: json(z.object({ data: z.array(flow) }), 'Flows'), ...errors },
    }),
    async (c) =>
      c.json(
        { data: (await engine.runs.listFlows(c.get('scope').environmentId)).map(flowJson) },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/flows/{id}',
      summary: 'A flow',
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(flow, 'The flow'), ...errors },
    }),
    async (c) =>
      c.json(
        flowJson(await engine.runs.getFlow(c.get('scope').environmentId, c.req.valid('param').id)),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/flows/{id}',
      summary: 'Delete a flow (its runs are kept)',
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 204: { description: 'Deleted' }, ...errors },
    }),
    async (c) => {
      await engine.runs.deleteFlow(c.get('scope').environmentId, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/flows/{id}/runs',
      summary: 'Start a run of the flow; `input` becomes `trigger` in its expressions',
      security,
      request: {
        params: z.object({ id: z.string() }),
        body: {
          content: { 'application/json': { schema: z.object({ input: z.unknown().optional() }) } },
          required: false,
        },
      },
      responses: { 202: json(runAccepted, 'Queued'), ...errors },
    }),
    async (c) => {
      const body = (await readOptionalJson(c.req)) as { input?: unknown };
      const started = await engine.runs.startFlow(
        c.get('scope'),
        c.req.valid('param').id,
        body.input ?? {},
      );
      engine.wakeWorker();
      return c.json({ runId: started.id, status: started.status, run: started }, 202);
    },
  );
}

/**
 * `retry` of an async action submission: `{maxAttempts}`, the executions before the run is given
 * up (1 to 50; default 8), as a flow's action step takes it.
 */

/** Reads `body.retry` of an async submission; a wrong one is `invalid_input` naming the field. */
export function parseRunRetry(value: unknown): { maxAttempts?: number } {
  if (value === undefined) return {};
  const parsed = runRetry.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['body', 'retry', ...(issue?.path ?? []).map(String)].join('.');
    throw new JoineryError(
      'invalid_input',
      `${path}: ${issue?.message ?? 'not valid'}; expected {"maxAttempts": n} with n a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`,
      { path },
    );
  }
  return parsed.data.maxAttempts === undefined ? {} : { maxAttempts: parsed.data.maxAttempts };
}

/** A JSON body that may be absent (→ `{}`); a body that is not JSON is `invalid_input`, never ignored. */
export async function readOptionalJson(
  request: { text(): Promise<string> },
  example = '{"input": {}}',
): Promise<Record<string, unknown>> {
  // Hono's request (not the raw one): the route's validator may have read the body already.
  const text = await request.text();
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JoineryError(
      'invalid_input',
      `body: not valid JSON (${(error as Error).message}); send a JSON object such as ${example}, or nothing`,
      { path: 'body' },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new JoineryError('invalid_input', 'body: must be a JSON object', { path: 'body' });
  return parsed as Record<string, unknown>;
}
