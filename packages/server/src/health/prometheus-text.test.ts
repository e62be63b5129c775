import { Metrics } from '@joinery/engine';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  it('reads HELP, TYPE, labels with escapes, histograms and special values', () => {
    const families = parsePrometheusText(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{a="b\\"c",d="e\\\\f\\ng"} 3',
        '# HELP h Latency.',
        '# TYPE h histogram',
        'h_bucket{le="0.1"} 1',
        'h_bucket{le="+Inf"} 2',
        'h_sum 0.3',
        'h_count 2',
        '# HELP g Level.',
        '# TYPE g gauge',
        'g NaN',
        'g{x="y"} -1.5e3 1700000000000',
        '',
      ].join('\n'),
    );
    expect(families.get('x_total')?.samples[0]).toEqual({
      name: 'x_total',
      labels: { a: 'b"c', d: 'e\\f\ng' },
      value: 3,
    });
    expect(families.get('h')?.samples.map((s) => s.name)).toEqual([
      'h_bucket',
      'h_bucket',
      'h_sum',
      'h_count',
    ]);
    expect(families.get('h')?.samples[1]?.labels.le).toBe('+Inf');
    expect(families.get('g')?.samples[1]?.value).toBe(-1500);
  });

  it.each([
    ['a sample without TYPE', '# HELP x X.\nx 1\n'],
    ['a family without HELP', '# TYPE x gauge\nx 1\n'],
    ['a bad value', '# HELP x X.\n# TYPE x gauge\nx one\n'],
    ['a negative counter', '# HELP x X.\n# TYPE x counter\nx -1\n'],
    ['an unquoted label', '# HELP x X.\n# TYPE x gauge\nx{a=b} 1\n'],
    ['a bucket without le', '# HELP h H.\n# TYPE h histogram\nh_bucket 1\n'],
    ['no final newline', '# HELP x X.\n# TYPE x gauge\nx 1'],
    ['a stray line', '# HELP x X.\n# TYPE x gauge\nhello world again\n'],
  ])('refuses %s', (_name, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });

  it("parses all of an engine's metrics, collectors included", async () => {
    const metrics = new Metrics();
    metrics.observeExchange({
      id: 'log_1',
      at: new Date(),
      environmentId: 'env',
      connectionId: 'conn_1',
      integrationKey: 'gh "quoted"',
      tenant: 'acme',
      source: 'proxy',
      action: null,
      method: 'GET',
      url: 'https://api.example/x',
      status: 503,
      durationMs: 120,
      errorCode: 'provider_unavailable',
      requestId: 'req_1',
      attempt: 1,
      decision:
        'waiting 250 ms for capacity under "core" (10 per 1 s); provider_unavailable: retry 2 in 200 ms, 503',
      retryWaitMs: 200,
      throttleWaitMs: 250,
    });
    metrics.registerCollector({
      name: 'joinery_queue_depth',
      help: 'Jobs waiting, by queue.',
      type: 'gauge',
      labelNames: ['queue'],
      collect: () => [{ labels: { queue: 'runs' }, value: 7 }],
    });
    expect(() =>
      metrics.registerCollector({
        name: 'joinery_queue_depth',
        help: 'again',
        type: 'gauge',
        labelNames: [],
        collect: () => [],
      }),
    ).toThrow(/already registered/);
    const families = parsePrometheusText(await metrics.text());
    const sample = (name: string) =>
      [...families.values()].flatMap((f) => f.samples).find((s) => s.name === name);
    expect(sample('joinery_requests_total')).toEqual({
      name: 'joinery_requests_total',
      labels: {
        integration: 'gh "quoted"',
        source: 'proxy',
        status: '503',
        code: 'provider_unavailable',
      },
      value: 1,
    });
    expect(sample('joinery_retries_total')?.value).toBe(1);
    expect(sample('joinery_throttle_waits_total')?.value).toBe(1);
    expect(sample('joinery_throttle_wait_seconds_total')?.value).toBe(0.25);
    expect(sample('joinery_request_duration_seconds_sum')?.value).toBe(0.12);
    expect(sample('joinery_queue_depth')).toEqual({
      name: 'joinery_queue_depth',
      labels: { queue: 'runs' },
      value: 7,
    });
    // Two engines in one process keep their own counts.
    expect(await new Metrics().text()).not.toContain('joinery_requests_total{');
  });
});
