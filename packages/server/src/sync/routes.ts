import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { JoineryError, SYNC_RUN_STATUSES, type Engine } from '@joinery/engine';
import { readOptionalJson } from '../runs/routes.js';
import { errorJson, json, security } from '../schemas.js';
import type { AppEnv } from '../app.js';

const storedError = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  requestId: z.string().optional(),
});

export const syncRun = z
  .object({
    id: z.string(),
    syncId: z.string(),
    kind: z.enum(['full', 'incremental']),
    status: z.enum(SYNC_RUN_STATUSES),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    attempts: z.number().int(),
    records: z.object({
      seen: z.number().int(),
      added: z.number().int(),
      updated: z.number().int(),
      deleted: z.number().int(),
      total: z.number().int().nullable(),
    }),
    pages: z.number().int(),
    recordsPerSecond: z.number().nullable(),
    changes: z.object({ from: z.string(), to: z.string() }).nullable(),
    error: storedError.nullable(),
  })
  .openapi('SyncRun');

export const sync = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    name: z.string(),
    model: z.string(),
    frequencySeconds: z.number().int(),
    fullFrequencySeconds: z.number().int().nullable().openapi({
      description:
        'How often a scheduled run is full (deletion detection); null = only the first run and runs asked for',
    }),
    lastFullRunAt: z
      .string()
      .nullable()
      .openapi({ description: 'When the latest full run that succeeded ended' }),
    fullRunDueAt: z.string().nullable().openapi({
      description:
        'From when scheduled runs are full: `lastFullRunAt` plus the full frequency (the creation time before any full run succeeded); null without a full frequency',
    }),
    enabled: z.boolean(),
    checkpoint: z.string().nullable(),
    nextRunAt: z.string().nullable(),
    state: z.enum(['idle', 'running']),
    createdAt: z.string(),
    latestRun: syncRun.nullable(),
  })
  .openapi('Sync');

const frequency = z.union([z.string(), z.number().int()]).openapi({
  description: '`30s`, `15m`, `1h`, `1d` or whole seconds (10 s to 30 days)',
});
const fullFrequency = z.union([z.string(), z.number().int()]).openapi({
  description:
    'How often a scheduled run is full, which detects deletions: `12h`, `1d`, `7d` or whole seconds (1 hour to 90 days)',
});

const syncBody = z.object({
  connection: z.string().min(1),
  sync: z.string().min(1).openapi({ description: "The connector's sync name, e.g. `contacts`" }),
  frequency: frequency.optional().openapi({
    description:
      '`30s`, `15m`, `1h`, `1d` or whole seconds (10 s to 30 days); the sync’s default otherwise',
  }),
  fullFrequency: fullFrequency.optional().openapi({
    description:
      'How often a scheduled run is full, which detects deletions (1 hour to 90 days); absent = only the first run and runs asked for with `{"full": true}`',
  }),
});

const syncUpdate = z.object({
  frequency: frequency.optional(),
  fullFrequency: fullFrequency.nullable().optional().openapi({
    description:
      'How often a scheduled run is full (1 hour to 90 days); null stops scheduled full runs',
  }),
});

const change = z.object({
  op: z.enum(['added', 'updated', 'deleted']),
  id: z.string(),
  record: z.unknown(),
});

const idParam = z.object({ id: z.string() });

/**
 * `/v1/syncs` (create, change frequencies, list, read with the latest run's progress, trigger a
 * run) and
 * `GET /v1/records` (the change stream). See docs/syncs.md.
 */
export function registerSyncRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/syncs',
      summary: "Start syncing one of a connector's models for a connection",
      security,
      request: { body: { content: { 'application/json': { schema: syncBody } }, required: true } },
      responses: {
        201: json(sync, 'Created; the first (full) run starts on the next scheduler tick'),
        400: errorJson('Invalid input, or the connector has no such sync'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connection'),
        409: errorJson('The connection already syncs this model'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const created = await engine.syncs.create(c.get('scope'), {
        connectionId: body.connection,
        sync: body.sync,
        ...(body.frequency !== undefined ? { frequency: body.frequency } : {}),
        ...(body.fullFrequency !== undefined ? { fullFrequency: body.fullFrequency } : {}),
      });
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/syncs/{id}',
      summary: 'Change how often a sync runs, and how often its scheduled run is full',
      description:
        'A shorter `frequency` brings the next run forward to one frequency from now at the latest. `fullFrequency: null` stops scheduled full runs. A running run is not affected.',
      security,
      request: {
        params: idParam,
        body: { content: { 'application/json': { schema: syncUpdate } }, required: true },
      },
      responses: {
        200: json(sync, 'The sync as changed'),
        400: errorJson('Invalid input, or nothing to change'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such sync'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const updated = await engine.syncs.update(c.get('scope'), c.req.valid('param').id, {
        ...(body.frequency !== undefined ? { frequency: body.frequency } : {}),
        ...(body.fullFrequency !== undefined ? { fullFrequency: body.fullFrequency } : {}),
      });
      return c.json(updated, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/syncs',
      summary: 'Syncs, each with its latest run',
      security,
      request: { query: z.object({ connection: z.string().optional() }) },
      responses: {
        200: json(z.object({ data: z.array(sync) }), 'Syncs'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connection'),
      },
    }),
    async (c) => {
      const { connection } = c.req.valid('query');
      const data = await engine.syncs.list(
        c.get('scope'),
        connection !== undefined ? { connectionId: connection } : {},
      );
      return c.json({ data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/syncs/{id}',
      summary: "A sync and its latest run's progress (records, pages, rate, status)",
      security,
      request: { params: idParam },
      responses: {
        200: json(sync, 'The sync'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such sync'),
      },
    }),
    async (c) => c.json(await engine.syncs.get(c.get('scope'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/syncs/{id}/runs',
      summary: 'Recent runs of a sync, newest first',
      security,
      request: {
        params: idParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
      },
      responses: {
        200: json(z.object({ data: z.array(syncRun) }), 'Runs'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such sync'),
      },
    }),
    async (c) => {
      const data = await engine.syncs.runs(
        c.get('scope'),
        c.req.valid('param').id,
        c.req.valid('query').limit,
      );
      return c.json({ data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/syncs/{id}/runs',
      summary:
        'Run a sync now: resumes an interrupted or failed run, else incremental from the checkpoint (full with `{"full": true}`)',
      security,
      request: {
        params: idParam,
        body: {
          content: {
            'application/json': { schema: z.object({ full: z.boolean().optional() }) },
          },
          required: false,
        },
      },
      responses: {
        202: json(syncRun, 'Started (or resumed); poll GET /v1/syncs/{id} for progress'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such sync'),
        409: errorJson('The sync is already running'),
      },
    }),
    async (c) => {
      const body = await readOptionalJson(c.req, '{"full": true}');
      if (body.full !== undefined && typeof body.full !== 'boolean')
        throw new JoineryError('invalid_input', 'body.full must be true or false', {
          path: 'body.full',
        });
      const full = body.full;
      const run = await engine.syncs.trigger(
        c.get('scope'),
        c.req.valid('param').id,
        full === undefined ? {} : { full },
      );
      return c.json(run, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/records',
      summary:
        'The change stream of synced records: added, updated and deleted after `cursor`, oldest first',
      description:
        'Pass the previous answer’s `nextCursor` to read on; with no cursor the stream starts at the beginning. A record changed several times since the cursor appears once, in its latest state.',
      security,
      request: {
        query: z.object({
          model: z.string().min(1),
          connection: z.string().min(1),
          cursor: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
      },
      responses: {
        200: json(
          z.object({ changes: z.array(change), nextCursor: z.string(), hasMore: z.boolean() }),
          'Changes',
        ),
        400: errorJson('Invalid input'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connection'),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await engine.syncs.changes(c.get('scope'), {
        connectionId: query.connection,
        model: query.model,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      });
      return c.json(page, 200);
    },
  );

  registerSyncedConflictRoute(app, engine);
}

/** `GET /v1/records/conflicts`: findings between two connections' synced records, paged. */
function registerSyncedConflictRoute(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/records/conflicts',
      summary:
        "Data-quality findings between two connections' synced records of one model: records on one side only, contradicting values, duplicate or missing keys (nothing is picked or changed)",
      description:
        "Reads the stored records (both connections need a sync of the model), a page at a time in match-key order; pass `nextCursor` back until it is null. Each page holds whole keys, so its findings are final. Each page scans the two connections' records of the model once: read large connections in large pages (`limit` up to 5000). See docs/syncs.md.",
      security,
      request: {
        query: z.object({
          a: z.string().min(1).openapi({ description: 'A connection id' }),
          b: z.string().min(1).openapi({ description: 'Another connection id' }),
          model: z.string().min(1).default('Contact'),
          matchOn: z.string().min(1).default('email'),
          fields: z
            .string()
            .optional()
            .openapi({ description: 'Fields to compare, comma-separated (default: all shared)' }),
          nullIsContradiction: z.enum(['true', 'false']).optional(),
          cursor: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(5000).optional().openapi({
            description: 'Records per page, both connections together (default and at most 5000)',
          }),
        }),
      },
      responses: {
        200: json(
          z.object({
            findings: z.array(z.record(z.string(), z.unknown())).openapi({
              description:
                '`{kind: "missing_in_a"|"missing_in_b"|"contradiction"|"duplicate_key"|"no_match_key", …}`, as `POST /v1/data/conflicts`',
            }),
            compared: z.object({ a: z.number().int(), b: z.number().int() }),
            nextCursor: z.string().nullable(),
          }),
          'Findings of one page',
        ),
        400: errorJson('Invalid input'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connection'),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const fields = query.fields
        ?.split(',')
        .map((field) => field.trim())
        .filter((field) => field !== '');
      const page = await engine.syncs.conflicts(c.get('scope'), {
        a: query.a,
        b: query.b,
        model: query.model,
        matchOn: query.matchOn,
        ...(fields === undefined ? {} : { fields }),
        ...(query.nullIsContradiction === undefined
          ? {}
          : { nullIsContradiction: query.nullIsContradiction === 'true' }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
      });
      return c.json(page as { findings: Record<string, unknown>[] } & typeof page, 200);
    },
  );
}
