import { and, asc, eq } from 'drizzle-orm';
import { integrations, type Database } from '@joinery/store';
import { z } from 'zod';
import type { ConnectorRegistry } from './connector/registry.js';
import type { CredentialCipher } from './credential-cipher.js';
import { JoineryError } from './errors.js';
import { Secret } from './secret.js';
import { parseOrThrow } from './validation.js';

export const INTEGRATION_KEY = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const integrationInput = z.object({
  connector: z.string().min(1),
  baseUrl: z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' }).optional(),
  allowPrivateNetwork: z.boolean().optional(),
  webhookSecret: z.string().min(1).optional(),
});
export type IntegrationInput = z.input<typeof integrationInput>;

export interface IntegrationView {
  key: string;
  connector: string;
  baseUrl: string | null;
  allowPrivateNetwork: boolean;
  hasWebhookSecret: boolean;
  createdAt: string;
  updatedAt: string;
}

type Row = typeof integrations.$inferSelect;

function view(row: Row): IntegrationView {
  return {
    key: row.key,
    connector: row.connector,
    baseUrl: row.baseUrl,
    allowPrivateNetwork: row.allowPrivateNetwork,
    hasWebhookSecret: row.webhookSecret !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class Integrations {
  readonly #db: Database;
  readonly #connectors: ConnectorRegistry;
  readonly #cipher: CredentialCipher;

  constructor(db: Database, connectors: ConnectorRegistry, cipher: CredentialCipher) {
    this.#db = db;
    this.#connectors = connectors;
    this.#cipher = cipher;
  }

  /** Creates or replaces an integration. */
  async put(
    environmentId: string,
    key: string,
    raw: unknown,
  ): Promise<{ integration: IntegrationView; created: boolean }> {
    if (!INTEGRATION_KEY.test(key)) {
      throw new JoineryError(
        'invalid_input',
        `integration key "${key}" is not valid: use 1–63 lower-case letters, digits, "-" or "_"`,
        {
          path: 'key',
        },
      );
    }
    const input = parseOrThrow(integrationInput, raw, 'body');
    if (!this.#connectors.find(input.connector)) {
      const known = this.#connectors
        .list()
        .map((c) => c.id)
        .join(', ');
      throw new JoineryError(
        'invalid_input',
        `no connector "${input.connector}"; known connectors: ${known}`,
        { path: 'body.connector' },
      );
    }
    const values = {
      connector: input.connector,
      baseUrl: input.baseUrl ?? null,
      allowPrivateNetwork: input.allowPrivateNetwork ?? false,
      webhookSecret: input.webhookSecret
        ? this.#cipher.seal(new Secret(input.webhookSecret), `integration:${environmentId}:${key}`)
        : null,
      updatedAt: new Date(),
    };
    const rows = await this.#db
      .insert(integrations)
      .values({ environmentId, key, ...values, createdAt: values.updatedAt })
      .onConflictDoUpdate({ target: [integrations.environmentId, integrations.key], set: values })
      .returning();
    const row = rows[0] as Row;
    return { integration: view(row), created: row.createdAt.getTime() === row.updatedAt.getTime() };
  }

  async list(environmentId: string): Promise<IntegrationView[]> {
    const rows = await this.#db
      .select()
      .from(integrations)
      .where(eq(integrations.environmentId, environmentId))
      .orderBy(asc(integrations.key));
    return rows.map(view);
  }

  async row(environmentId: string, key: string): Promise<Row> {
    const rows = await this.#db
      .select()
      .from(integrations)
      .where(and(eq(integrations.environmentId, environmentId), eq(integrations.key, key)));
    const row = rows[0];
    if (!row)
      throw new JoineryError(
        'not_found',
        `no integration "${key}". Create it with PUT /v1/integrations/${key}`,
      );
    return row;
  }

  async get(environmentId: string, key: string): Promise<IntegrationView> {
    return view(await this.row(environmentId, key));
  }
}
