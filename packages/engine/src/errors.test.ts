import { describe, expect, it } from 'vitest';
import { ERROR_CODES, JoineryError, httpStatusFor, isJoineryError } from './errors.js';

describe('error taxonomy', () => {
  it('gives every code an HTTP status in the 4xx/5xx range', () => {
    for (const code of ERROR_CODES) {
      const status = httpStatusFor(code);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('serialises to the wire envelope without the cause', () => {
    const error = new JoineryError('rate_limited', 'slow down', {
      retryAfterMs: 1200,
      connectionId: 'conn_1',
      cause: new Error('internal detail with secret-ish text'),
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error: {
        code: 'rate_limited',
        message: 'slow down',
        retryable: true,
        retryAfterMs: 1200,
        connectionId: 'conn_1',
      },
    });
  });

  it('is recognised by shape, not prototype (bundled copies)', () => {
    const foreign = { code: 'timeout', retryable: true, message: 'x' };
    expect(isJoineryError(foreign)).toBe(true);
    expect(isJoineryError({ code: 'ENOTFOUND', retryable: false })).toBe(false);
    expect(isJoineryError(new Error('plain'))).toBe(false);
  });

  it('keeps fields when context is added', () => {
    const error = new JoineryError('invalid_input', 'bad', { path: 'input.x' }).withContext({
      requestId: 'req_1',
    });
    expect(error.toJSON().error).toMatchObject({
      code: 'invalid_input',
      path: 'input.x',
      requestId: 'req_1',
      retryable: false,
    });
  });
});
