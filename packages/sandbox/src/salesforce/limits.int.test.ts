import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { SALESFORCE_DEMO_TOKEN } from './options.js';

let sandbox: Sandbox;
let data: string;
const auth = { authorization: `Bearer ${SALESFORCE_DEMO_TOKEN}` };
const LIMIT = 4;
beforeAll(async () => {
  sandbox = await startSandbox({ salesforce: { apiRequestLimit: LIMIT } });
  data = `${sandbox.url}/salesforce/services/data/v62.0`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const usage = (response: Response) => response.headers.get('sforce-limit-info');

describe('Salesforce API request allocation', () => {
  it('reports api-usage=N/M on every answer, then answers 403 REQUEST_LIMIT_EXCEEDED', async () => {
    const seen: (string | null)[] = [];
    for (let i = 0; i < LIMIT - 1; i += 1)
      seen.push(usage(await fetch(`${data}/sobjects`, { headers: auth })));
    // Errors count too: an unknown record is still a call.
    const missing = await fetch(`${data}/sobjects/Contact/0035g0000009999AAA`, { headers: auth });
    expect(missing.status).toBe(404);
    seen.push(usage(missing));
    expect(seen).toEqual(['api-usage=1/4', 'api-usage=2/4', 'api-usage=3/4', 'api-usage=4/4']);

    const limited = await fetch(`${data}/query?q=SELECT+Id+FROM+Contact`, { headers: auth });
    expect(limited.status).toBe(403);
    expect(usage(limited)).toBe('api-usage=4/4');
    expect(await limited.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);

    // Creates are refused too, and nothing is written.
    const create = await fetch(`${data}/sobjects/Account`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"Name":"Too late"}',
    });
    expect(create.status).toBe(403);
    sandbox.reset();
    const check = await fetch(
      `${data}/query?q=${encodeURIComponent("SELECT COUNT() FROM Account WHERE Name = 'Too late'")}`,
      { headers: auth },
    );
    expect(await check.json()).toMatchObject({ totalSize: 0 });
  });

  it('does not count unauthenticated calls, and /limits reports what is left', async () => {
    const anonymous = await fetch(`${data}/limits`);
    expect(anonymous.status).toBe(401);
    expect(usage(anonymous)).toBeNull();
    const response = await fetch(`${data}/limits`, { headers: auth });
    expect(await response.json()).toEqual({
      DailyApiRequests: { Max: LIMIT, Remaining: LIMIT - 1 },
    });
  });
});

describe('Salesforce under fault injection', () => {
  it('rate_limit: REQUEST_LIMIT_EXCEEDED with the allocation shown spent', async () => {
    sandbox.faults.add({ provider: 'salesforce', fault: { kind: 'rate_limit' } });
    const response = await fetch(`${data}/sobjects`, { headers: auth });
    expect(response.status).toBe(403);
    expect(usage(response)).toBe(`api-usage=${LIMIT}/${LIMIT}`);
    expect(await response.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect((await fetch(`${data}/sobjects`, { headers: auth })).status).toBe(200);
  });

  it('status 401: a session revoked between two calls', async () => {
    sandbox.faults.add({
      provider: 'salesforce',
      path: /^\/services\/data\//,
      fault: { kind: 'status', status: 401 },
    });
    const response = await fetch(`${data}/sobjects`, { headers: auth });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
  });

  it('status 400 on the token endpoint: a refresh token that stopped working', async () => {
    sandbox.faults.add({
      provider: 'salesforce',
      path: '/services/oauth2/token',
      fault: { kind: 'status', status: 400 },
    });
    const response = await fetch(`${sandbox.url}/salesforce/services/oauth2/token`, {
      method: 'POST',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
  });
});
