import { JoineryError } from '@joinery/engine';
import { describe, expect, it } from 'vitest';
import { serializeError } from './start.js';

const LINK = 'http://127.0.0.1:3003/connect/cs_secret_bearer_link';

describe('logged errors', () => {
  it('never carry a reconnect link, in the message, the stack or a field', () => {
    const error = new JoineryError(
      'auth_revoked',
      `connection conn_1 needs re-authorisation: invalid_grant. Send tenant "acme" this link to reconnect: ${LINK}`,
      { connectionId: 'conn_1', reconnectUrl: LINK },
    );
    const logged = serializeError(error);
    expect(JSON.stringify(logged)).not.toContain('cs_secret_bearer_link');
    expect(logged.message).toContain('(the link at GET /v1/connections/{id})');
    expect(logged).toMatchObject({ type: 'JoineryError', code: 'auth_revoked' });
  });

  it('are otherwise as pino serializes them', () => {
    const error = new Error('boom');
    expect(serializeError(error)).toMatchObject({ type: 'Error', message: 'boom' });
    expect(serializeError(error).stack).toBe(error.stack);
  });
});
