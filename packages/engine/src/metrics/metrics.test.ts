import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../request-log.js';
import { Metrics } from './metrics.js';

function entry(overrides: Partial<LogEntry>): LogEntry {
  return {
    id: 'log_1',
    at: new Date(),
    environmentId: 'env_default',
    connectionId: 'conn_1',
    integrationKey: 'github',
    tenant: 'acme',
    source: 'proxy',
    action: null,
    method: 'GET',
    url: 'https://api.github.com/user',
    status: 503,
    durationMs: 12,
    errorCode: 'provider_unavailable',
    requestId: 'req_1',
    attempt: 1,
    decision: null,
    ...overrides,
  };
}

async function value(metrics: Metrics, name: string): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.integration === 'github')?.value;
}

describe('Metrics.observeExchange', () => {
  it('counts retries and throttle waits from the entry’s numbers, not from its words', async () => {
    const metrics = new Metrics();
    // Words that would not match the old patterns; the numbers say what happened.
    metrics.observeExchange(
      entry({ decision: 'tried again later', retryWaitMs: 100, throttleWaitMs: 1_500 }),
    );
    metrics.observeExchange(
      entry({ status: 200, errorCode: null, attempt: 2, retryWaitMs: null, throttleWaitMs: null }),
    );
    expect(await value(metrics, 'joinery_retries_total')).toBe(1);
    expect(await value(metrics, 'joinery_throttle_waits_total')).toBe(1);
    expect(await value(metrics, 'joinery_throttle_wait_seconds_total')).toBe(1.5);
  });

  it('believes the numbers over words that say otherwise', async () => {
    const metrics = new Metrics();
    metrics.observeExchange(
      entry({
        decision: 'waiting 900 ms for capacity; provider_unavailable: retry 2 in 100 ms, backoff',
        retryWaitMs: null,
        throttleWaitMs: null,
      }),
    );
    expect(await value(metrics, 'joinery_retries_total')).toBeUndefined();
    expect(await value(metrics, 'joinery_throttle_waits_total')).toBeUndefined();
  });
});
