import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { findConflicts, type Engine } from '@joinery/engine';
import { errorJson, json, security } from '../schemas.js';
import type { AppEnv } from '../app.js';

const idParam = z.object({ id: z.string() });

const overridesSchema = z.record(z.string(), z.unknown()).openapi({
  description:
    'Mapping id (`hubspot.contacts`, `salesforce.contacts`) → `{rules?: FieldRule[], remove?: string[]}`. See docs/data.md.',
});

const mappingView = z
  .object({
    object: z.string(),
    mapping: z.record(z.string(), z.unknown()),
    override: z.record(z.string(), z.unknown()).nullable(),
    rules: z.array(z.record(z.string(), z.unknown())),
  })
  .openapi('ConnectionMapping');

/** A side's records are compared in full up to this many; beyond it, "missing" cannot be told. */
const MAX_COMPARED = 999;

const conflictsBody = z.object({
  a: z.string().min(1).openapi({ description: 'A connection id' }),
  b: z.string().min(1).openapi({ description: 'Another connection id' }),
  object: z.literal('contacts').default('contacts'),
  matchOn: z.string().min(1).default('email'),
  fields: z.array(z.string().min(1)).max(100).optional(),
  nullIsContradiction: z.boolean().optional(),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_COMPARED)
    .default(MAX_COMPARED)
    .openapi({
      description: `Most records read from each side (at most ${MAX_COMPARED})`,
    }),
});

const finding = z.record(z.string(), z.unknown()).openapi('DataFinding', {
  description:
    '`{kind: "missing_in_a"|"missing_in_b"|"contradiction"|"duplicate_key"|"no_match_key", key, …}`',
});

/**
 * Field mappings of a connection (`GET /v1/connections/{id}/mappings`), the tenant's overrides
 * (`PUT /v1/connections/{id}/mapping-overrides`), and data-quality findings between two
 * connections (`POST /v1/data/conflicts`). See docs/data.md.
 */
export function registerDataRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/connections/{id}/mappings',
      summary:
        "The connection's field mappings: the connector's, the tenant's override, the rules in force",
      security,
      request: { params: idParam },
      responses: {
        200: json(z.object({ data: z.array(mappingView) }), 'Mappings'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connection'),
      },
    }),
    async (c) => {
      const context = await engine.connections.context(c.get('scope'), c.req.valid('param').id);
      const data = await engine.unified.mappings(context);
      return c.json({ data: data as unknown as z.infer<typeof mappingView>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/connections/{id}/mapping-overrides',
      summary:
        "Replace the tenant's mapping overrides (custom fields, replaced or removed rules) for a connection",
      security,
      request: {
        params: idParam,
        body: {
          content: { 'application/json': { schema: z.object({ overrides: overridesSchema }) } },
          required: true,
        },
      },
      responses: {
        200: json(z.object({ overrides: overridesSchema }), 'Stored; used by the next call'),
        400: errorJson('A rule is malformed or cannot work (unknown mapping, zone, expression)'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connection'),
      },
    }),
    async (c) => {
      const context = await engine.connections.context(c.get('scope'), c.req.valid('param').id);
      const overrides = await engine.unified.setOverrides(context, c.req.valid('json').overrides);
      return c.json({ overrides }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/data/conflicts',
      summary:
        'Compare two connections’ records as unified models: records missing on one side, contradicting values (nothing is picked or changed)',
      security,
      request: {
        body: { content: { 'application/json': { schema: conflictsBody } }, required: true },
      },
      responses: {
        200: json(
          z.object({
            findings: z.array(finding),
            compared: z.object({ a: z.number().int(), b: z.number().int() }),
            complete: z.boolean().openapi({
              description:
                'False when a side has more records than `limit`: then missing_in_a/missing_in_b are left out, as they cannot be told',
            }),
          }),
          'Findings',
        ),
        400: errorJson('Invalid input, or a record cannot be mapped'),
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connection, or its connector has no contacts mapping'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const scope = c.get('scope');
      // One more than the limit tells whether a side has more than was compared.
      const read = async (connectionId: string) => {
        const result = await engine.runAction(scope, connectionId, 'contacts.search', {
          limit: body.limit + 1,
        });
        return (result.output as { contacts: { id: string }[] }).contacts;
      };
      const [a, b] = await Promise.all([read(body.a), read(body.b)]);
      const complete = a.length <= body.limit && b.length <= body.limit;
      const findings = findConflicts(a.slice(0, body.limit), b.slice(0, body.limit), {
        matchOn: body.matchOn,
        ...(body.fields === undefined ? {} : { fields: body.fields }),
        ...(body.nullIsContradiction === undefined
          ? {}
          : { nullIsContradiction: body.nullIsContradiction }),
      }).filter((f) => complete || (f.kind !== 'missing_in_a' && f.kind !== 'missing_in_b'));
      return c.json(
        {
          findings,
          compared: { a: Math.min(a.length, body.limit), b: Math.min(b.length, body.limit) },
          complete,
        },
        200,
      );
    },
  );
}
