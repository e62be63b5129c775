import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { builtInConnectors, shippedEvidenceDir } from '@joinery/connectors';
import {
  computeScorecard,
  evidenceDirFor,
  readConnectorEvidence,
  recordedOrigin,
  type ConnectorDefinition,
  type ConnectorOrigin,
  type Engine,
  type Scorecard,
} from '@joinery/engine';
import type { AppEnv } from '../app.js';
import { errorJson } from '../schemas.js';
import { scorecard } from './schemas.js';

/** Where a registered connector came from: Joinery's own, a connectors-dir file, or code. */
export function originOf(connector: ConnectorDefinition): ConnectorOrigin {
  if (builtInConnectors.includes(connector)) return { kind: 'shipped' };
  return recordedOrigin(connector) ?? { kind: 'embedded' };
}

/**
 * A connector's scorecard, from its data and the evidence files its suites wrote: Joinery's own
 * for shipped connectors, `evidence/<id>/` beside the file for a connectors-dir connector, none
 * for one passed in code. Read on every request, so new evidence shows without a restart.
 */
export async function scorecardOf(
  connector: ConnectorDefinition,
  now = new Date(),
): Promise<Scorecard> {
  const origin = originOf(connector);
  const dir = origin.kind === 'shipped' ? shippedEvidenceDir : evidenceDirFor(origin);
  const recorded = dir
    ? await readConnectorEvidence(dir, connector.id)
    : { evidence: [], problems: [] };
  return computeScorecard(connector, origin, recorded, { now });
}

/** `GET /v1/connectors/{id}/scorecard` and `GET /v1/scorecards`. */
export function registerScorecardRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/connectors/{id}/scorecard',
      summary:
        "A connector's trust level and the seven questions (who maintains it, last verified, auth renewal, errors, rate limits, monitoring, fallback), computed from its data and its suites' evidence",
      description: 'See docs/scorecards.md for the rules.',
      security: [{ secretKey: [] }],
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: 'Scorecard', content: { 'application/json': { schema: scorecard } } },
        401: errorJson('Missing or wrong secret key'),
        404: errorJson('No such connector'),
      },
    }),
    async (c) => c.json(await scorecardOf(engine.connectors.get(c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/scorecards',
      summary: 'The scorecard of every connector this Joinery knows',
      security: [{ secretKey: [] }],
      responses: {
        200: {
          description: 'Scorecards',
          content: { 'application/json': { schema: z.object({ data: z.array(scorecard) }) } },
        },
        401: errorJson('Missing or wrong secret key'),
      },
    }),
    async (c) => {
      const now = new Date();
      const data = await Promise.all(
        engine.connectors.list().map((connector) => scorecardOf(connector, now)),
      );
      return c.json({ data }, 200);
    },
  );
}
