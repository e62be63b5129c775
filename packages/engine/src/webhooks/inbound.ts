import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connector/registry.js';
import { JoineryError } from '../errors.js';
import { pageLimit, parseCursor } from '../paging.js';
import type { Integrations } from '../integrations.js';
import type { Scope } from '../connections.js';
import type { Database } from '@joinery/store';
import type { NewDelivery, WebhookDeliveries } from './deliveries.js';
import { WEBHOOK_SCHEME_SPECS, firstValue, valueAt } from './schemes.js';
import type { WebhookSchemeName, WebhookSpec } from './types.js';

/** Defaults to 300 s: Slack, Stripe and Standard Webhooks all publish five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface InboundRequest {
  /** Header names lower-cased. Read for verification only; never stored or logged. */
  headers: Readonly<Record<string, string>>;
  /** The body exactly as received: signatures are over these bytes. */
  body: Buffer;
}

export type InboundResult =
  /** A verified handshake (Slack's `url_verification`): answer this body, store nothing. */
  | { kind: 'challenge'; body: Record<string, string> }
  | {
      kind: 'delivery';
      /** Joinery's id of the stored delivery (the first one's, for a duplicate). */
      id: string;
      deliveryId: string;
      eventType: string | null;
      duplicate: boolean;
      connectionIds: string[];
    };

export interface DeliveryQuery {
  integration?: string;
  limit?: number;
  cursor?: string;
}

export interface WebhookDeliveryView {
  id: string;
  integration: string;
  deliveryId: string;
  eventType: string | null;
  receivedAt: string;
  connectionIds: string[];
  payload: unknown;
}

export interface InboundWebhooksDeps {
  deliveries: WebhookDeliveries;
  integrations: Integrations;
  connectors: ConnectorRegistry;
  logger: Logger;
  /** Called in the transaction that stores a new (not duplicate) delivery: starts the flows it triggers. */
  onDelivery?: (tx: Database, delivery: NewDelivery & { id: string }) => Promise<void>;
  now?: () => number;
}

/**
 * Inbound webhooks: verify the provider's signature over the raw body with the integration's
 * secret(s), answer a verified handshake, otherwise store the delivery once per provider delivery
 * id — before the provider is told 2xx, so an acknowledged delivery is never lost.
 */
export class InboundWebhooks {
  readonly #deps: InboundWebhooksDeps;
  readonly #now: () => number;

  constructor(deps: InboundWebhooksDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  async receive(
    environmentId: string,
    integrationKey: string,
    request: InboundRequest,
  ): Promise<InboundResult> {
    const row = await this.#deps.integrations.row(environmentId, integrationKey);
    const connector = this.#deps.connectors.get(row.connector);
    const schemeName =
      (row.webhookScheme as WebhookSchemeName | null) ?? connector.webhooks?.scheme;
    if (schemeName === undefined)
      throw new JoineryError(
        'not_found',
        `integration "${integrationKey}" does not take webhooks: connector "${connector.id}" declares no webhook scheme and the integration selects none (webhookScheme)`,
      );
    const scheme = WEBHOOK_SCHEME_SPECS[schemeName];
    const secrets = this.#deps.integrations.webhookSecrets(environmentId, row);
    if (secrets.length === 0)
      throw new JoineryError(
        'unauthorized',
        `integration "${integrationKey}" has no webhookSecret, so no delivery can be verified; set it with PUT /v1/integrations/${integrationKey}`,
      );
    // The connector's tolerance is for its own scheme; a scheme the integration selects gets the default.
    const ownScheme = connector.webhooks?.scheme === schemeName;
    const toleranceSeconds =
      (ownScheme ? connector.webhooks?.toleranceSeconds : undefined) ?? DEFAULT_TOLERANCE_SECONDS;
    const verdict = scheme.verify(request, { secrets, nowMs: this.#now(), toleranceSeconds });
    if (!verdict.ok) {
      // The reason is logged for the operator; headers and secrets never are.
      this.#deps.logger.warn(
        { integration: integrationKey, scheme: schemeName, reason: verdict.reason },
        'webhook delivery rejected',
      );
      throw new JoineryError('unauthorized', `webhook signature rejected: ${verdict.message}`);
    }

    const payload = parsePayload(request);
    const challenge = scheme.challenge;
    if (challenge && valueAt(payload, challenge.path) === challenge.equals) {
      const echo = valueAt(payload, challenge.echo);
      if (typeof echo !== 'string')
        throw new JoineryError('invalid_input', `the handshake has no "${challenge.echo}" to echo`);
      return { kind: 'challenge', body: { [challenge.echo]: echo } };
    }

    const deliveryId =
      firstValue(scheme.deliveryId, request.headers, payload) ??
      `sha256:${createHash('sha256').update(request.body).digest('hex')}`;
    const eventType = firstValue(scheme.eventType, request.headers, payload);
    const routed = await this.#route(
      environmentId,
      integrationKey,
      connector.webhooks?.routes,
      payload,
    );
    const delivery: NewDelivery = {
      environmentId,
      integrationKey,
      deliveryId,
      eventType,
      receivedAt: new Date(this.#now()),
      connectionIds: routed.map((connection) => connection.id),
      tenants: [...new Set(routed.map((connection) => connection.tenant))],
      payload,
    };
    const onDelivery = this.#deps.onDelivery;
    const stored = await this.#deps.deliveries.insert(
      delivery,
      onDelivery ? (tx, id) => onDelivery(tx, { ...delivery, id }) : undefined,
    );
    this.#deps.logger.info(
      {
        integration: integrationKey,
        deliveryId,
        eventType,
        duplicate: stored.duplicate,
        connections: routed.length,
      },
      'webhook delivery received',
    );
    return {
      kind: 'delivery',
      id: stored.id,
      deliveryId,
      eventType,
      duplicate: stored.duplicate,
      connectionIds: routed.map((connection) => connection.id),
    };
  }

  async #route(
    environmentId: string,
    integrationKey: string,
    routes: WebhookSpec['routes'],
    payload: unknown,
  ): Promise<{ id: string; tenant: string }[]> {
    for (const route of routes ?? []) {
      const value = valueAt(payload, route.payloadPath);
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      return this.#deps.deliveries.connectionsMatching(
        environmentId,
        integrationKey,
        route.connectionField,
        String(value),
      );
    }
    return [];
  }

  /** Stored deliveries, newest first; a tenant-restricted scope sees those routed to its connections. */
  async list(
    scope: Scope,
    query: DeliveryQuery,
  ): Promise<{ data: WebhookDeliveryView[]; nextCursor: string | null }> {
    const before = parseCursor(query.cursor);
    const page = await this.#deps.deliveries.list({
      environmentId: scope.environmentId,
      limit: pageLimit(query.limit),
      ...(query.integration !== undefined ? { integrationKey: query.integration } : {}),
      ...(scope.tenant !== undefined ? { tenant: scope.tenant } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    return {
      data: page.deliveries.map((row) => ({
        id: row.id,
        integration: row.integrationKey,
        deliveryId: row.deliveryId,
        eventType: row.eventType,
        receivedAt: row.receivedAt.toISOString(),
        connectionIds: row.connectionIds,
        payload: row.payload,
      })),
      nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
    };
  }
}

/**
 * The payload as JSON. GitHub may send `application/x-www-form-urlencoded` with the JSON in a
 * `payload` field (a webhook's "content type" setting); the signature is still over the raw body.
 */
function parsePayload(request: InboundRequest): unknown {
  const text = request.body.toString('utf8');
  const contentType = request.headers['content-type'] ?? '';
  const json = contentType.startsWith('application/x-www-form-urlencoded')
    ? new URLSearchParams(text).get('payload')
    : text;
  try {
    if (json === null) throw new Error('no payload field');
    return JSON.parse(json) as unknown;
  } catch {
    throw new JoineryError(
      'invalid_input',
      'the webhook body is not JSON (nor a form with a JSON "payload" field)',
      { path: 'body' },
    );
  }
}
