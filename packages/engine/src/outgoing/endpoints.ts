import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNull, lt, type SQL } from 'drizzle-orm';
import { outgoingDeliveries, webhookEndpoints, type Database } from '@joinery/store';
import { z } from 'zod';
import type { CredentialCipher } from '../credential-cipher.js';
import { JoineryError } from '../errors.js';
import { newId } from '../ids.js';
import { checkLiteralHost } from '../outbound/ssrf.js';
import { Secret } from '../secret.js';
import { parseOrThrow } from '../validation.js';
import { parseEventFilter } from './event-filter.js';

export const endpointInput = z.object({
  url: z.string().min(1).max(2048),
  events: z.array(z.string().min(1).max(200)).max(100).optional(),
  allowPrivateNetwork: z.boolean().optional(),
});

export interface WebhookEndpointView {
  id: string;
  url: string;
  /** Event types sent here; empty means every event. */
  events: string[];
  enabled: boolean;
  /** Why Joinery stopped sending here (the endpoint answered 410 Gone), or null. */
  disabledReason: string | null;
  allowPrivateNetwork: boolean;
  /** The endpoint's breaker: `closed` sends, `open` postpones until `openUntil`. */
  breaker: { state: 'closed' | 'open'; consecutiveFailures: number; openUntil: string | null };
  createdAt: string;
  updatedAt: string;
}

/** The answer to a creation: the only time the signing secret is shown. */
export interface CreatedWebhookEndpoint extends WebhookEndpointView {
  /** `whsec_…`: give it to the receiver's `new Webhook(secret)`. Shown once; stored encrypted. */
  secret: string;
}

export type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** Where the app receives Joinery's events, and each endpoint's signing secret (sealed). */
export class WebhookEndpoints {
  readonly #db: Database;
  readonly #cipher: CredentialCipher;

  constructor(db: Database, cipher: CredentialCipher) {
    this.#db = db;
    this.#cipher = cipher;
  }

  async create(environmentId: string, raw: unknown): Promise<CreatedWebhookEndpoint> {
    const input = parseOrThrow(endpointInput, raw, 'body');
    const url = parseEndpointUrl(input.url, input.allowPrivateNetwork ?? false);
    const events = parseEventFilter(input.events, 'body.events');
    const id = newId('whe');
    // Standard Webhooks secrets: `whsec_` and the base64 of 24 to 64 random bytes.
    const secret = new Secret(`whsec_${randomBytes(32).toString('base64')}`);
    const rows = await this.#db
      .insert(webhookEndpoints)
      .values({
        id,
        environmentId,
        url: url.toString(),
        eventTypes: events,
        secret: this.#cipher.seal(secret, sealBinding(id)),
        allowPrivateNetwork: input.allowPrivateNetwork ?? false,
      })
      .returning();
    return { ...endpointView(requireRow(rows[0], id)), secret: secret.reveal() };
  }

  async list(environmentId: string): Promise<WebhookEndpointView[]> {
    const rows = await this.#db
      .select()
      .from(webhookEndpoints)
      .where(
        and(eq(webhookEndpoints.environmentId, environmentId), isNull(webhookEndpoints.deletedAt)),
      )
      .orderBy(desc(webhookEndpoints.seq))
      .limit(1000);
    return rows.map((row) => endpointView(row));
  }

  async get(environmentId: string, id: string): Promise<WebhookEndpointView> {
    return endpointView(await this.row(environmentId, id));
  }

  /**
   * Stops sending to the endpoint. Deliveries still waiting for it become dead letters when the
   * dispatcher reaches them, so nothing is dropped without a trace.
   */
  async delete(environmentId: string, id: string): Promise<void> {
    await this.row(environmentId, id);
    await this.#db
      .update(webhookEndpoints)
      .set({ deletedAt: new Date(), enabled: false, updatedAt: new Date() })
      .where(eq(webhookEndpoints.id, id));
  }

  /** An endpoint of this environment that has not been deleted. */
  async row(environmentId: string, id: string): Promise<EndpointRow> {
    const rows = await this.#db
      .select()
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookEndpoints.environmentId, environmentId),
          eq(webhookEndpoints.id, id),
          isNull(webhookEndpoints.deletedAt),
        ),
      );
    return requireRow(rows[0], id);
  }

  /** The signing secret, for the dispatcher only. */
  secretOf(row: EndpointRow): Secret<string> {
    return this.#cipher.open(row.secret, sealBinding(row.id));
  }

  /** An endpoint's recent deliveries, newest first. */
  async deliveries(
    environmentId: string,
    id: string,
    query: { limit: number; before?: number; status?: string[] },
  ): Promise<{ rows: (typeof outgoingDeliveries.$inferSelect)[]; nextCursor: number | null }> {
    await this.row(environmentId, id);
    const where: SQL[] = [eq(outgoingDeliveries.endpointId, id)];
    if (query.before !== undefined) where.push(lt(outgoingDeliveries.seq, query.before));
    if (query.status && query.status.length > 0)
      where.push(inArray(outgoingDeliveries.status, query.status));
    const rows = await this.#db
      .select()
      .from(outgoingDeliveries)
      .where(and(...where))
      .orderBy(desc(outgoingDeliveries.seq))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { rows: page, nextCursor: rows.length > query.limit && last ? last.seq : null };
  }
}

function sealBinding(id: string): string {
  return `webhook_endpoint:${id}`;
}

/** An http(s) URL without credentials; a private IP literal only with `allowPrivateNetwork`. */
export function parseEndpointUrl(raw: string, allowPrivateNetwork: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new JoineryError(
      'invalid_input',
      `body.url "${raw}" is not a URL: give an absolute https:// URL`,
      {
        path: 'body.url',
      },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new JoineryError(
      'invalid_input',
      `body.url must be an http:// or https:// URL, not ${url.protocol}`,
      {
        path: 'body.url',
      },
    );
  }
  if (url.username || url.password) {
    throw new JoineryError(
      'invalid_input',
      'body.url must not hold credentials: receivers authenticate deliveries by their signature',
      { path: 'body.url' },
    );
  }
  if (!allowPrivateNetwork) {
    try {
      checkLiteralHost(url.hostname);
    } catch (error) {
      throw new JoineryError(
        'invalid_input',
        `body.url points at a private or loopback address (${url.hostname}); set "allowPrivateNetwork": true if that is intended`,
        { path: 'body.url', cause: error },
      );
    }
  }
  url.hash = '';
  return url;
}

export function endpointView(row: EndpointRow, now = new Date()): WebhookEndpointView {
  const open = row.openUntil !== null && row.openUntil > now;
  return {
    id: row.id,
    url: row.url,
    events: row.eventTypes,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    allowPrivateNetwork: row.allowPrivateNetwork,
    breaker: {
      state: open ? 'open' : 'closed',
      consecutiveFailures: row.consecutiveFailures,
      openUntil: row.openUntil?.toISOString() ?? null,
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function requireRow(row: EndpointRow | undefined, id: string): EndpointRow {
  if (!row) {
    throw new JoineryError(
      'not_found',
      `no webhook endpoint "${id}" in this environment. List them with GET /v1/webhook-endpoints.`,
    );
  }
  return row;
}
