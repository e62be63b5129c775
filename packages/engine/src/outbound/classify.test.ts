import { describe, expect, it } from 'vitest';
import type { ConnectorDefinition } from '../connector/types.js';
import { classifyStatus } from './classify.js';

const connector: ConnectorDefinition = {
  id: 'gh',
  name: 'GitHub',
  description: 'x',
  docsUrl: 'https://docs.github.com',
  baseUrl: 'https://api.github.com',
  auth: [{ type: 'bearer' }],
  rateLimit: {
    headers: {
      remaining: 'x-ratelimit-remaining',
      reset: 'x-ratelimit-reset',
      retryAfter: 'retry-after',
    },
    alsoStatuses: [403],
  },
  errorMessage: 'message',
  actions: [],
};
const now = 1_700_000_000_000;
const classify = (
  status: number,
  headers: Record<string, string> = {},
  body: unknown = undefined,
  refreshable = false,
) => classifyStatus(connector, status, headers, body, { refreshable, now });

describe('classifyStatus', () => {
  it('passes 2xx through', () => expect(classify(200)).toBeNull());

  it("reads GitHub's primary limit: 403 with remaining 0 and an epoch reset", () => {
    const error = classify(
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) },
      { message: 'API rate limit exceeded' },
    );
    expect(error?.code).toBe('rate_limited');
    expect(error?.retryAfterMs).toBe(30_000);
    expect(error?.message).toContain('API rate limit exceeded');
  });

  it("reads GitHub's secondary limit: 403 with retry-after", () => {
    const error = classify(403, { 'retry-after': '60', 'x-ratelimit-remaining': '4000' });
    expect(error?.code).toBe('rate_limited');
    expect(error?.retryAfterMs).toBe(60_000);
  });

  it('treats a plain 403 as a refusal, not a limit', () => {
    expect(
      classify(403, { 'x-ratelimit-remaining': '4999' }, { message: 'Resource not accessible' })
        ?.code,
    ).toBe('provider_rejected');
  });

  it('maps the rest of the statuses', () => {
    expect(classify(401)?.code).toBe('auth_revoked');
    expect(classify(401, {}, undefined, true)?.code).toBe('auth_expired');
    expect(classify(404)?.code).toBe('not_found');
    expect(classify(409)?.code).toBe('conflict');
    expect(classify(422, {}, { message: 'Validation Failed' })).toMatchObject({
      code: 'provider_rejected',
      details: { status: 422, message: 'Validation Failed' },
    });
    expect(classify(429)?.code).toBe('rate_limited');
    expect(classify(503)?.code).toBe('provider_unavailable');
    expect(classify(503)?.retryable).toBe(true);
  });
});
