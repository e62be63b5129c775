/**
 * Test support for the MCP suites (HTTP, stdio, outside clients): a Joinery on the embedded store
 * with the GitHub and HubSpot sandboxes, tenant `acme` connected to both — GitHub with an API key,
 * HubSpot through the real OAuth Connect flow (code + PKCE against the sandbox's OAuth server), so
 * revoking it ends in `needs_reauth` with a reconnect link.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_TOKEN,
  HUBSPOT_DEMO_CLIENT_ID,
  HUBSPOT_DEMO_CLIENT_SECRET,
  startSandbox,
  type Sandbox,
} from '@joinery/sandbox';
import { loadConfig } from '../config.js';
import { TestBrowser, runConnectFlow } from '../connect/testing/browser.js';
import { startJoinery, type RunningJoinery, type StartOptions } from '../start.js';

export const TENANT = 'acme';

export interface McpWorld {
  url: string;
  /** The secret key, for `Authorization: Bearer`. */
  secretKey: string;
  dataDir: string;
  joinery: RunningJoinery;
  sandbox: Sandbox;
  /** Tenant `acme`'s GitHub connection (API key). */
  github: string;
  /** Tenant `acme`'s HubSpot connection (OAuth through the Connect page). */
  hubspot: string;
  // Tests read deep into JSON answers; every read is asserted.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Connects `tenant` to the GitHub sandbox with the demo token; answers the connection id. */
  connectGitHub(tenant: string): Promise<string>;
  /**
   * Revokes the HubSpot grant at the sandbox: from now on HubSpot answers every CRM call with its
   * 401 `INVALID_AUTHENTICATION`, as it does for an app the customer uninstalled.
   */
  revokeHubSpot(): void;
  close(): Promise<void>;
}

export async function startMcpWorld(
  options: Pick<StartOptions, 'mcp' | 'connectors'> = {},
  settings: Record<string, string> = {},
): Promise<McpWorld> {
  const dataDir = await mkdtemp(join(tmpdir(), 'joinery-mcp-'));
  const sandbox = await startSandbox();
  let joinery: RunningJoinery | null = null;
  try {
    joinery = await startJoinery(
      loadConfig({
        JOINERY_PORT: '0',
        JOINERY_DATA_DIR: dataDir,
        JOINERY_LOG_LEVEL: 'silent',
        ...settings,
      }),
      {
        mcp: { watchIntervalMs: 200, ...options.mcp },
        ...(options.connectors ? { connectors: options.connectors } : {}),
        seedIntegrations: [
          {
            key: 'github-sandbox',
            connector: 'github',
            baseUrl: `${sandbox.url}/github`,
            allowPrivateNetwork: true,
          },
          {
            key: 'hubspot-sandbox',
            connector: 'hubspot',
            baseUrl: `${sandbox.url}/hubspot`,
            allowPrivateNetwork: true,
            oauth: {
              clientId: HUBSPOT_DEMO_CLIENT_ID,
              clientSecret: HUBSPOT_DEMO_CLIENT_SECRET,
              authorizationUrl: `${sandbox.url}/hubspot/oauth/authorize`,
              tokenUrl: `${sandbox.url}/hubspot/oauth/v1/token`,
            },
          },
        ],
      },
    );
    const running = joinery;
    const secretKey = running.generatedSecretKey ?? settings.JOINERY_SECRET_KEY;
    if (!secretKey) throw new Error('no secret key');
    const api: McpWorld['api'] = async (method, path, body) => {
      const response = await fetch(`${running.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secretKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    };
    const connectGitHub = async (tenant: string) => {
      const created = await api('POST', '/v1/connections', {
        integration: 'github-sandbox',
        tenant,
        credentials: { type: 'api_key', apiKey: DEMO_TOKEN },
      });
      if (created.status !== 201)
        throw new Error(`connect GitHub: ${JSON.stringify(created.body)}`);
      return String((created.body as { id: string }).id);
    };
    const github = await connectGitHub(TENANT);
    const session = await api('POST', '/v1/connect-sessions', {
      integration: 'hubspot-sandbox',
      tenant: TENANT,
    });
    const flow = await runConnectFlow(
      new TestBrowser(),
      String((session.body as { url: string }).url),
    );
    if (flow.result.status !== 200) throw new Error(`HubSpot Connect flow: ${flow.result.text}`);
    const listed = await api('GET', `/v1/connections?tenant=${TENANT}&integration=hubspot-sandbox`);
    const hubspot = String((listed.body as { data: { id: string }[] }).data[0]?.id);
    return {
      url: running.url,
      secretKey,
      dataDir,
      joinery: running,
      sandbox,
      github,
      hubspot,
      api,
      connectGitHub,
      revokeHubSpot() {
        sandbox.faults.add({
          provider: 'hubspot',
          path: /^\/crm\//,
          times: Infinity,
          fault: { kind: 'status', status: 401 },
        });
      },
      async close() {
        await running.close();
        await sandbox.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await joinery?.close();
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
