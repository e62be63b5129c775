import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { environments, secretKeys, type Database } from '@joinery/store';
import { newId } from './ids.js';
import { Secret } from './secret.js';

export const DEFAULT_ENVIRONMENT = 'env_default';
const KEY_PREFIX = 'jny_sk_';
/** How long a positive authentication is cached: revoking a key takes effect in other processes within this. */
const CACHE_MS = 10_000;

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateSecretKey(): Secret<string> {
  return new Secret(`${KEY_PREFIX}${randomBytes(32).toString('base64url')}`);
}

/** API secret keys. Only SHA-256 digests are stored: the keys are 256-bit random, so a digest cannot be reversed. */
export class SecretKeys {
  readonly #db: Database;
  readonly #cache = new Map<string, { environmentId: string; until: number }>();

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Makes sure the default environment exists and has a key: the configured one, or a generated one
   * that is returned so it can be shown once. Safe when several processes start at once.
   */
  async bootstrap(
    configured: Secret<string> | null,
  ): Promise<{ generated: Secret<string> | null }> {
    return this.#db.transaction(async (tx) => {
      await tx
        .insert(environments)
        .values({ id: DEFAULT_ENVIRONMENT, name: 'default' })
        .onConflictDoNothing();
      // Serialises concurrent bootstraps (PostgreSQL); PGlite is single-connection anyway.
      await tx
        .select()
        .from(environments)
        .where(eq(environments.id, DEFAULT_ENVIRONMENT))
        .for('update');
      if (configured) {
        const keyHash = hashKey(configured.reveal());
        const existing = await tx.select().from(secretKeys).where(eq(secretKeys.keyHash, keyHash));
        if (existing.length === 0) {
          await tx.insert(secretKeys).values({
            id: newId('sk'),
            environmentId: DEFAULT_ENVIRONMENT,
            keyHash,
            hint: configured.reveal().slice(0, 10),
          });
        } else if (existing[0]?.revokedAt) {
          await tx
            .update(secretKeys)
            .set({ revokedAt: null })
            .where(eq(secretKeys.keyHash, keyHash));
        }
        return { generated: null };
      }
      const active = await tx
        .select({ id: secretKeys.id })
        .from(secretKeys)
        .where(and(eq(secretKeys.environmentId, DEFAULT_ENVIRONMENT), isNull(secretKeys.revokedAt)))
        .limit(1);
      if (active.length > 0) return { generated: null };
      const key = generateSecretKey();
      await tx.insert(secretKeys).values({
        id: newId('sk'),
        environmentId: DEFAULT_ENVIRONMENT,
        keyHash: hashKey(key.reveal()),
        hint: key.reveal().slice(0, 10),
      });
      return { generated: key };
    });
  }

  /** Revokes every key of the default environment and issues a new one. */
  async rotate(): Promise<Secret<string>> {
    const key = generateSecretKey();
    await this.#db.transaction(async (tx) => {
      await tx
        .insert(environments)
        .values({ id: DEFAULT_ENVIRONMENT, name: 'default' })
        .onConflictDoNothing();
      await tx
        .update(secretKeys)
        .set({ revokedAt: new Date() })
        .where(
          and(eq(secretKeys.environmentId, DEFAULT_ENVIRONMENT), isNull(secretKeys.revokedAt)),
        );
      await tx.insert(secretKeys).values({
        id: newId('sk'),
        environmentId: DEFAULT_ENVIRONMENT,
        keyHash: hashKey(key.reveal()),
        hint: key.reveal().slice(0, 10),
      });
    });
    this.#cache.clear();
    return key;
  }

  /** The environment a presented key belongs to, or null. */
  async authenticate(presented: string): Promise<string | null> {
    if (!presented.startsWith(KEY_PREFIX)) return null;
    const keyHash = hashKey(presented);
    const cached = this.#cache.get(keyHash);
    if (cached && cached.until > Date.now()) return cached.environmentId;
    const rows = await this.#db
      .select({ environmentId: secretKeys.environmentId })
      .from(secretKeys)
      .where(and(eq(secretKeys.keyHash, keyHash), isNull(secretKeys.revokedAt)))
      .limit(1);
    const environmentId = rows[0]?.environmentId ?? null;
    if (environmentId) this.#cache.set(keyHash, { environmentId, until: Date.now() + CACHE_MS });
    else this.#cache.delete(keyHash);
    return environmentId;
  }
}
