import {
  HUBSPOT_DEMO_CLIENT_ID,
  HUBSPOT_DEMO_CLIENT_SECRET,
  SALESFORCE_DEMO_CLIENT_ID,
  SALESFORCE_DEMO_CLIENT_SECRET,
  SLACK_DEMO_CLIENT_ID,
  SLACK_DEMO_CLIENT_SECRET,
  startSandbox,
  type Sandbox,
} from '@joinery/sandbox';
import { recordEvidence } from '@joinery/connectors/testing/evidence';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestJoinery, type TestJoinery } from '../test-harness.js';
import { TestBrowser, runConnectFlow } from './testing/browser.js';

/*
 * The Slack, HubSpot and Salesforce connectors' OAuth, end to end through the Connect page
 * against each sandbox's OAuth server, with tokens that expire in seconds: connect, call, let the
 * token expire, call again — the renewal must be invisible to the caller.
 */
const TOKEN_SECONDS = 3;

describe('OAuth with the provider sandboxes', { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  let joinery: TestJoinery;

  // Each test names its provider first ("Slack: …"); every one proves a token renewal.
  recordEvidence({
    connector: (name) => /^(Slack|HubSpot|Salesforce):/.exec(name)?.[1]?.toLowerCase() ?? null,
    suite: 'sandbox-oauth',
    kind: 'auth',
    target: () => ({ kind: 'sandbox', baseUrl: sandbox.url }),
  });

  beforeAll(async () => {
    sandbox = await startSandbox({
      slack: { tokenRotation: { expiresInSeconds: TOKEN_SECONDS } },
      hubspot: { accessTokenTtlSeconds: TOKEN_SECONDS },
      salesforce: { sessionTimeoutSeconds: TOKEN_SECONDS },
    });
    const local = { allowPrivateNetwork: true };
    joinery = await startTestJoinery('pglite', {
      seedIntegrations: [
        {
          key: 'slack',
          connector: 'slack',
          baseUrl: `${sandbox.url}/slack/api`,
          ...local,
          oauth: {
            clientId: SLACK_DEMO_CLIENT_ID,
            clientSecret: SLACK_DEMO_CLIENT_SECRET,
            authorizationUrl: `${sandbox.url}/slack/oauth/v2/authorize`,
            tokenUrl: `${sandbox.url}/slack/api/oauth.v2.access`,
          },
        },
        {
          key: 'hubspot',
          connector: 'hubspot',
          baseUrl: `${sandbox.url}/hubspot`,
          ...local,
          oauth: {
            clientId: HUBSPOT_DEMO_CLIENT_ID,
            clientSecret: HUBSPOT_DEMO_CLIENT_SECRET,
            authorizationUrl: `${sandbox.url}/hubspot/oauth/authorize`,
            tokenUrl: `${sandbox.url}/hubspot/oauth/v1/token`,
          },
        },
        {
          key: 'salesforce',
          connector: 'salesforce',
          // Replaced by the token answer's instance_url; pointing elsewhere proves it is used.
          baseUrl: `${sandbox.url}/not-salesforce`,
          ...local,
          oauth: {
            clientId: SALESFORCE_DEMO_CLIENT_ID,
            clientSecret: SALESFORCE_DEMO_CLIENT_SECRET,
            authorizationUrl: `${sandbox.url}/salesforce/services/oauth2/authorize`,
            tokenUrl: `${sandbox.url}/salesforce/services/oauth2/token`,
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  async function connect(integration: string, tenant: string): Promise<string> {
    const session = await joinery.api('POST', '/v1/connect-sessions', { integration, tenant });
    expect(session.status).toBe(201);
    const flow = await runConnectFlow(new TestBrowser(), session.body.url as string);
    expect(flow.result.status).toBe(200);
    expect(flow.result.text).toMatch(/connected/i);
    const list = await joinery.api(
      'GET',
      `/v1/connections?tenant=${tenant}&integration=${integration}`,
    );
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ authType: 'oauth2', state: 'healthy' });
    return list.body.data[0].id as string;
  }

  const tokenGrants = (path: string) =>
    sandbox.requests.filter(
      (r) =>
        r.method === 'POST' && r.path === path && JSON.stringify(r.body).includes('refresh_token'),
    ).length;
  const expire = () => new Promise((resolve) => setTimeout(resolve, (TOKEN_SECONDS + 1) * 1000));
  const run = (id: string, action: string, input: unknown) =>
    joinery.api('POST', `/v1/connections/${id}/actions/${action}`, { input });

  it('Slack: installs the bot, and renews the rotating token after it expires', async ({
    task,
  }) => {
    task.meta.proves = ['auth_renewal'];
    const id = await connect('slack', 'acme');
    expect((await run(id, 'list_users', { limit: 3 })).status).toBe(200);
    const before = tokenGrants('/slack/api/oauth.v2.access');
    await expire();
    const after = await run(id, 'list_users', { limit: 3 });
    expect(after.status).toBe(200);
    expect(tokenGrants('/slack/api/oauth.v2.access') - before).toBe(1);
    expect((await joinery.api('GET', `/v1/connections/${id}`)).body.state).toBe('healthy');
  });

  it('HubSpot: connects, and renews the 30-minute (here 3 s) token with the refresh token', async ({
    task,
  }) => {
    task.meta.proves = ['auth_renewal'];
    const id = await connect('hubspot', 'acme');
    expect((await run(id, 'get_contact', { id: '51' })).status).toBe(200);
    const before = tokenGrants('/hubspot/oauth/v1/token');
    await expire();
    const after = await run(id, 'get_contact', { id: '51' });
    expect(after.status).toBe(200);
    expect(after.body.output.id).toBe('51');
    expect(tokenGrants('/hubspot/oauth/v1/token') - before).toBe(1);
  });

  it('Salesforce: calls the instance_url, and refreshes once the idle session answers INVALID_SESSION_ID', async ({
    task,
  }) => {
    task.meta.proves = ['auth_renewal'];
    const id = await connect('salesforce', 'acme');
    const first = await run(id, 'query', { q: 'SELECT Id, Name FROM Account', limit: 2 });
    expect(first.status).toBe(200);
    expect(first.body.output).toHaveLength(2);
    const before = tokenGrants('/salesforce/services/oauth2/token');
    await expire();
    const after = await run(id, 'query', { q: 'SELECT Id FROM Account', limit: 1 });
    expect(after.status).toBe(200);
    expect(tokenGrants('/salesforce/services/oauth2/token') - before).toBe(1);
    const attempts = (await joinery.api('GET', `/v1/logs?connection=${id}&limit=10`)).body.data;
    expect(
      attempts.some(
        (entry: { status: number; errorCode: string }) =>
          entry.status === 401 && entry.errorCode === 'auth_expired',
      ),
    ).toBe(true);
    // The proxy renews the same way: the caller sees the provider's 200, not its 401.
    await expire();
    const proxied = await joinery.api(
      'GET',
      `/v1/proxy/${id}/services/data/v62.0/query?q=SELECT+Id+FROM+Account+LIMIT+1`,
    );
    expect(proxied.status).toBe(200);
    expect(proxied.body.records).toHaveLength(1);
    expect(tokenGrants('/salesforce/services/oauth2/token') - before).toBe(2);
  });
});
