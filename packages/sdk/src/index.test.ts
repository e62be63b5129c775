import { expect, it } from 'vitest';
import * as sdk from './index.js';

// The runtime surface is a promise to users: changing it should be a decision, not an accident.
it('exports exactly the documented runtime surface', () => {
  expect(Object.keys(sdk).sort()).toEqual([
    'ERROR_CODES',
    'JoineryError',
    'createClient',
    'isErrorCode',
    'isJoineryError',
  ]);
});

it('lists the error codes of docs/api.md', () => {
  expect(sdk.ERROR_CODES).toEqual([
    'rate_limited',
    'auth_expired',
    'auth_revoked',
    'provider_unavailable',
    'timeout',
    'network',
    'invalid_input',
    'provider_rejected',
    'not_found',
    'conflict',
    'malformed_response',
    'schema_drift',
    'blocked_destination',
    'unauthorized',
    'internal',
  ]);
  expect(sdk.isErrorCode('rate_limited')).toBe(true);
  expect(sdk.isErrorCode('teapot')).toBe(false);
});
