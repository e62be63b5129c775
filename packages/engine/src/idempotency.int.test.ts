import { createTestDatabase, openStore, type Store, type TestDatabase } from '@joinery/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoineryError } from './errors.js';
import { ABANDONED_AFTER_MS, IdempotencyKeys, canonicalJson, requestHash } from './idempotency.js';

describe('canonicalJson', () => {
  it('ignores key order and undefined fields, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined } })).toBe(
      canonicalJson({ a: { d: [2, 1] }, b: 1 }),
    );
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
  });
});

// Three processes' worth of stores on one PostgreSQL database: the primary key decides.
describe('idempotency keys across processes (PostgreSQL)', () => {
  let database: TestDatabase;
  const stores: Store[] = [];
  let keys: IdempotencyKeys[];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 3; i++)
      stores.push(await openStore({ kind: 'postgres', url: database.url, poolSize: 3 }));
    keys = stores.map((store) => new IdempotencyKeys(store.db));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database?.drop();
  });

  it('lets exactly one of many concurrent claims run, the rest see it in progress', async () => {
    const hash = requestHash({ action: 'create_issue', input: { title: 'x' } });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        (keys[i % keys.length] as IdempotencyKeys).claim('env_default', 'race', hash),
      ),
    );
    const claimed = outcomes.filter((o) => o.status === 'fulfilled' && o.value.kind === 'claimed');
    const refused = outcomes
      .filter((o) => o.status === 'rejected')
      .map((o) => o.reason as JoineryError);
    expect(claimed).toHaveLength(1);
    expect(refused).toHaveLength(11);
    expect(refused.every((e) => e.code === 'conflict' && e.retryable)).toBe(true);
  });

  it('replays the stored result in another process, and refuses the key for a different request', async () => {
    const hash = requestHash({ input: 1 });
    expect(await (keys[0] as IdempotencyKeys).claim('env_default', 'k', hash)).toEqual({
      kind: 'claimed',
    });
    await (keys[0] as IdempotencyKeys).complete('env_default', 'k', {
      output: { id: 7 },
      requestId: 'req_1',
    });
    expect(await (keys[1] as IdempotencyKeys).claim('env_default', 'k', hash)).toEqual({
      kind: 'replay',
      result: { output: { id: 7 }, requestId: 'req_1' },
    });
    await expect(
      (keys[2] as IdempotencyKeys).claim('env_default', 'k', requestHash({ input: 2 })),
    ).rejects.toMatchObject({ code: 'conflict', retryable: false });
  });

  it('replays a final failure, releases the key only when the provider cannot have acted', async () => {
    const hash = requestHash({ input: 'fail' });
    await (keys[0] as IdempotencyKeys).claim('env_default', 'final', hash);
    await (keys[0] as IdempotencyKeys).fail(
      'env_default',
      'final',
      new JoineryError('provider_rejected', 'Validation Failed'),
    );
    await expect(
      (keys[1] as IdempotencyKeys).claim('env_default', 'final', hash),
    ).rejects.toMatchObject({ code: 'provider_rejected', message: 'Validation Failed' });
    // Refused before acting (a 429): released, the retry runs.
    await (keys[0] as IdempotencyKeys).claim('env_default', 'retry', hash);
    await (keys[0] as IdempotencyKeys).fail(
      'env_default',
      'retry',
      new JoineryError('rate_limited', '429'),
    );
    expect(await (keys[1] as IdempotencyKeys).claim('env_default', 'retry', hash)).toEqual({
      kind: 'claimed',
    });
    // Never sent (circuit open): released too.
    await (keys[1] as IdempotencyKeys).fail(
      'env_default',
      'retry',
      new JoineryError('provider_unavailable', 'circuit open').unsent(),
    );
    expect(await (keys[2] as IdempotencyKeys).claim('env_default', 'retry', hash)).toEqual({
      kind: 'claimed',
    });
    // A 503 after sending may have acted: kept, and replayed as final.
    await (keys[2] as IdempotencyKeys).fail(
      'env_default',
      'retry',
      new JoineryError('provider_unavailable', '503'),
    );
    await expect(
      (keys[0] as IdempotencyKeys).claim('env_default', 'retry', hash),
    ).rejects.toMatchObject({
      code: 'provider_unavailable',
      retryable: false,
      message: expect.stringMatching(/may have taken effect/),
    });
  });

  it('takes over a claim abandoned by a process that died', async () => {
    const hash = requestHash({ input: 'abandoned' });
    const then = Date.now() - ABANDONED_AFTER_MS - 1_000;
    await (keys[0] as IdempotencyKeys).claim('env_default', 'abandoned', hash, then);
    expect(await (keys[1] as IdempotencyKeys).claim('env_default', 'abandoned', hash)).toEqual({
      kind: 'claimed',
    });
  });
});
