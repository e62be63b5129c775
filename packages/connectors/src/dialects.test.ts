import { classifyStatus, type ConnectorDefinition } from '@joinery/engine';
import { describe, expect, it } from 'vitest';
import { github } from './github/connector.js';
import { recordEvidence } from './testing/evidence.js';
import { hubspot } from './hubspot/connector.js';
import { salesforce } from './salesforce/connector.js';
import { slack } from './slack/connector.js';

/*
 * Each provider's way of saying "no", as its documentation shows it, classified from the
 * connector's data alone. Bodies and headers are copied from the providers' reference pages.
 */
const now = Date.parse('2026-11-21T10:00:00Z');
const classify = (
  connector: ConnectorDefinition,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  refreshable = false,
) => classifyStatus(connector, status, headers, body, { refreshable, now });

describe('Slack: HTTP 200 with ok:false', () => {
  recordEvidence({
    connector: 'slack',
    suite: 'dialects',
    kind: 'dialect',
    target: () => ({ kind: 'in_process' }),
  });
  it('is never data', () => {
    expect(classify(slack, 200, { ok: true, channels: [] })).toBeNull();
    expect(
      classify(slack, 200, { ok: false, error: 'missing_scope', needed: 'chat:write' }),
    ).toMatchObject({ code: 'provider_rejected', details: { code: 'missing_scope' } });
  });
  it.each([
    ['invalid_auth', 'auth_revoked'],
    ['not_authed', 'auth_revoked'],
    ['token_revoked', 'auth_revoked'],
    ['account_inactive', 'auth_revoked'],
    ['channel_not_found', 'not_found'],
    ['users_not_found', 'not_found'],
    ['ratelimited', 'rate_limited'],
    ['internal_error', 'provider_unavailable'],
  ])('%s → %s', (error, code) => {
    expect(classify(slack, 200, { ok: false, error })?.code).toBe(code);
  });
  it('token_expired asks for a refresh on rotating tokens, and is final otherwise', () => {
    expect(classify(slack, 200, { ok: false, error: 'token_expired' }, {}, true)?.code).toBe(
      'auth_expired',
    );
    expect(classify(slack, 200, { ok: false, error: 'token_expired' }, {}, false)?.code).toBe(
      'auth_revoked',
    );
  });
  it('reads 429 with Retry-After', ({ task }) => {
    task.meta.proves = ['rate_limits'];
    expect(
      classify(slack, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' }),
    ).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 });
  });
});

describe('HubSpot: category and policyName', () => {
  recordEvidence({
    connector: 'hubspot',
    suite: 'dialects',
    kind: 'dialect',
    target: () => ({ kind: 'in_process' }),
  });
  const tenSecondly = {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: 'c1',
    policyName: 'TEN_SECONDLY_ROLLING',
  };
  it('retries a ten-secondly 429 and refuses to retry a daily one', ({ task }) => {
    task.meta.proves = ['rate_limits'];
    expect(classify(hubspot, 429, tenSecondly)).toMatchObject({
      code: 'rate_limited',
      retryable: true,
    });
    expect(classify(hubspot, 429, { ...tenSecondly, policyName: 'DAILY' })).toMatchObject({
      code: 'rate_limited',
      retryable: false,
    });
  });
  it('tells an expired token from an invalid one', () => {
    const expired = {
      status: 'error',
      message: 'The OAuth token used to make this call expired 5 second(s) ago.',
      correlationId: 'c2',
      category: 'EXPIRED_AUTHENTICATION',
    };
    expect(classify(hubspot, 401, expired, {}, true)?.code).toBe('auth_expired');
    expect(
      classify(hubspot, 401, { ...expired, category: 'INVALID_AUTHENTICATION' }, {}, true)?.code,
    ).toBe('auth_revoked');
  });
  it('keeps the category and correlation message', () => {
    expect(
      classify(hubspot, 409, {
        status: 'error',
        message: 'Contact already exists. Existing ID: 51',
        category: 'CONFLICT',
        correlationId: 'c3',
      }),
    ).toMatchObject({
      code: 'conflict',
      details: {
        status: 409,
        code: 'CONFLICT',
        message: 'Contact already exists. Existing ID: 51',
      },
    });
  });
});

describe('Salesforce: error arrays', () => {
  recordEvidence({
    connector: 'salesforce',
    suite: 'dialects',
    kind: 'dialect',
    target: () => ({ kind: 'in_process' }),
  });
  it('INVALID_SESSION_ID is a refresh signal', () => {
    expect(
      classify(
        salesforce,
        401,
        [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
        {},
        true,
      ),
    ).toMatchObject({
      code: 'auth_expired',
      details: { code: 'INVALID_SESSION_ID', message: 'Session expired or invalid' },
    });
  });
  it('REQUEST_LIMIT_EXCEEDED is a limit that retrying will not cure', ({ task }) => {
    task.meta.proves = ['rate_limits'];
    expect(
      classify(salesforce, 403, [
        { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]),
    ).toMatchObject({ code: 'rate_limited', retryable: false });
  });
  it('a plain 400 stays a refusal with the code', () => {
    expect(
      classify(salesforce, 400, [
        {
          message: 'Required fields are missing: [LastName]',
          errorCode: 'REQUIRED_FIELD_MISSING',
          fields: ['LastName'],
        },
      ]),
    ).toMatchObject({
      code: 'provider_rejected',
      details: { code: 'REQUIRED_FIELD_MISSING' },
    });
  });
});

describe('GitHub: 403 and 429 limits', () => {
  recordEvidence({
    connector: 'github',
    suite: 'dialects',
    kind: 'dialect',
    target: () => ({ kind: 'in_process' }),
  });
  it('primary limit: remaining 0 with an epoch reset', ({ task }) => {
    task.meta.proves = ['rate_limits'];
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 120) };
    expect(
      classify(github, 403, { message: 'API rate limit exceeded for user ID 1.' }, headers),
    ).toMatchObject({ code: 'rate_limited', retryAfterMs: 120_000 });
    expect(classify(github, 429, { message: 'API rate limit exceeded' }, headers)).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 120_000,
    });
  });
  it('secondary limit: retry-after', ({ task }) => {
    task.meta.proves = ['rate_limits'];
    expect(
      classify(
        github,
        403,
        { message: 'You have exceeded a secondary rate limit.' },
        { 'retry-after': '60', 'x-ratelimit-remaining': '4000' },
      ),
    ).toMatchObject({ code: 'rate_limited', retryAfterMs: 60_000 });
  });
});

describe('Google: 403 with reason rateLimitExceeded', () => {
  // https://developers.google.com/workspace/drive/api/guides/handle-errors — the dialect as connector data.
  const google: ConnectorDefinition = {
    id: 'google-example',
    name: 'Google',
    description: 'x',
    docsUrl: 'https://developers.google.com',
    baseUrl: 'https://www.googleapis.com',
    auth: [{ type: 'bearer' }],
    errors: {
      messagePath: 'error.message',
      codePath: 'error.errors.0.reason',
      rules: [
        { codes: ['rateLimitExceeded', 'userRateLimitExceeded'], code: 'rate_limited' },
        { codes: ['dailyLimitExceeded'], code: 'rate_limited', retryable: false },
      ],
    },
    actions: [],
  };
  const body = (reason: string) => ({
    error: {
      errors: [{ domain: 'usageLimits', reason, message: 'Rate Limit Exceeded' }],
      code: 403,
      message: 'Rate Limit Exceeded',
    },
  });
  it('is a rate limit, not a permission error', () => {
    expect(classify(google, 403, body('userRateLimitExceeded'))).toMatchObject({
      code: 'rate_limited',
      retryable: true,
      details: { code: 'userRateLimitExceeded' },
    });
    expect(classify(google, 403, body('dailyLimitExceeded'))).toMatchObject({
      code: 'rate_limited',
      retryable: false,
    });
    expect(classify(google, 403, body('insufficientPermissions'))?.code).toBe('provider_rejected');
  });
});
