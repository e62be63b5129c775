import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { idempotencyKeys, type Database } from '@joinery/store';
import { JoineryError, type ErrorCode } from './errors.js';

/** Keys are kept at least this long (Stripe keeps them 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** An in-progress claim older than this belongs to a process that died; it may be taken over. */
export const ABANDONED_AFTER_MS = 5 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/** Errors that prove the provider did not act on the request. */
const REFUSED_BEFORE_ACTING = new Set([
  'rate_limited',
  'auth_expired',
  'auth_revoked',
  'unauthorized',
  'invalid_input',
  'blocked_destination',
]);

export function didNotAct(error: JoineryError): boolean {
  return error.notSent || REFUSED_BEFORE_ACTING.has(error.code);
}

export type Claim<T> = { kind: 'claimed' } | { kind: 'replay'; result: T };

interface StoredError {
  error: { code: ErrorCode; message: string; retryable: boolean; [key: string]: unknown };
}

/**
 * Stripe's semantics, enforced by the primary key so they hold across processes: the first
 * request with a key runs; a repeat with the same request gets the stored result; a repeat with a
 * different request is a `conflict`. Retryable failures are not stored, so the caller may retry
 * with the same key.
 */
export class IdempotencyKeys {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async claim<T>(
    environmentId: string,
    key: string,
    hash: string,
    now = Date.now(),
  ): Promise<Claim<T>> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new JoineryError(
        'invalid_input',
        `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`,
        { path: 'headers.idempotency-key' },
      );
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await this.#db
        .insert(idempotencyKeys)
        .values({
          environmentId,
          key,
          requestHash: hash,
          state: 'in_progress',
          createdAt: new Date(now),
          expiresAt: new Date(now + IDEMPOTENCY_TTL_MS),
        })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length > 0) return { kind: 'claimed' };
      const [row] = await this.#db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.environmentId, environmentId), eq(idempotencyKeys.key, key)));
      if (!row) continue; // deleted in between: claim again
      const expired = row.expiresAt.getTime() <= now;
      const abandoned =
        row.state === 'in_progress' && row.createdAt.getTime() + ABANDONED_AFTER_MS <= now;
      if (expired || abandoned) {
        // Only this exact stale row: another process may have taken the key over meanwhile.
        await this.#db
          .delete(idempotencyKeys)
          .where(
            and(
              eq(idempotencyKeys.environmentId, environmentId),
              eq(idempotencyKeys.key, key),
              eq(idempotencyKeys.createdAt, row.createdAt),
            ),
          );
        continue;
      }
      if (row.requestHash !== hash) {
        throw new JoineryError(
          'conflict',
          `Idempotency-Key "${key}" was already used with a different request in the last 24 hours; send a new key for a new request`,
        );
      }
      if (row.state === 'in_progress') {
        throw new JoineryError(
          'conflict',
          `a request with Idempotency-Key "${key}" is still running; retry shortly to get its result`,
          {
            retryable: true,
            retryAfterMs: 1000,
          },
        );
      }
      if (row.status === 200) return { kind: 'replay', result: row.response as T };
      const stored = row.response as StoredError;
      throw new JoineryError(stored.error.code, stored.error.message, {
        retryable: stored.error.retryable,
        details: { replayed: true },
      });
    }
    throw new JoineryError(
      'conflict',
      `Idempotency-Key "${key}" is being claimed concurrently; retry shortly`,
      { retryable: true, retryAfterMs: 500 },
    );
  }

  async complete(environmentId: string, key: string, result: unknown): Promise<void> {
    await this.#db
      .update(idempotencyKeys)
      .set({ state: 'done', status: 200, response: result })
      .where(and(eq(idempotencyKeys.environmentId, environmentId), eq(idempotencyKeys.key, key)));
  }

  /**
   * A failure that proves the provider did not act (never sent, or refused before acting: 429,
   * 401, our own validation) releases the key, so the caller may retry with it. Any other failure
   * is stored and replayed like a result: the provider may have acted (a lost or broken answer to
   * a write), and running the write again could do it twice — Stripe's rule: once a request with
   * a key may have started executing, its outcome is the key's outcome.
   */
  async fail(environmentId: string, key: string, error: JoineryError): Promise<void> {
    const where = and(
      eq(idempotencyKeys.environmentId, environmentId),
      eq(idempotencyKeys.key, key),
    );
    if (didNotAct(error)) {
      await this.#db.delete(idempotencyKeys).where(where);
      return;
    }
    const outcome = error.retryable
      ? new JoineryError(
          error.code,
          `the first request with Idempotency-Key "${key}" may have taken effect at the provider, but its answer was lost (${error.message}). Check the provider before retrying with a new key.`,
          { retryable: false },
        )
      : error;
    await this.#db
      .update(idempotencyKeys)
      .set({ state: 'done', status: outcome.status, response: outcome.toJSON() })
      .where(where);
  }

  /** A key's state (`in_progress` or `done`), or null when nobody holds it. */
  async state(environmentId: string, key: string): Promise<string | null> {
    const [row] = await this.#db
      .select({ state: idempotencyKeys.state })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.environmentId, environmentId), eq(idempotencyKeys.key, key)));
    return row?.state ?? null;
  }

  /** Drops keys past their 24 hours. */
  async purgeExpired(now = Date.now()): Promise<number> {
    const deleted = await this.#db
      .delete(idempotencyKeys)
      .where(lt(idempotencyKeys.expiresAt, new Date(now)))
      .returning({ key: idempotencyKeys.key });
    return deleted.length;
  }
}
