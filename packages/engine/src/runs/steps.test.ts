import { describe, expect, it } from 'vitest';
import { JoineryError } from '../errors.js';
import { storedError } from './steps.js';

describe('storedError', () => {
  it('keeps the error envelope but never the reconnect link, in a field or in the message', () => {
    const url = 'http://127.0.0.1:3003/connect/sess_secretsessiontoken123';
    const stored = storedError(
      new JoineryError(
        'auth_revoked',
        `connection conn_1 needs re-authorisation. Send this link: ${url}`,
        {
          connectionId: 'conn_1',
          reconnectUrl: url,
        },
      ),
    );
    expect(stored).toMatchObject({
      code: 'auth_revoked',
      retryable: false,
      connectionId: 'conn_1',
    });
    expect(JSON.stringify(stored)).not.toContain('sess_secretsessiontoken123');
    expect(stored.message).toContain('GET /v1/connections/{id}');
  });

  it('turns an unknown throw into internal, with its message', () => {
    expect(storedError(new Error('boom'))).toMatchObject({ code: 'internal', message: 'boom' });
  });
});
