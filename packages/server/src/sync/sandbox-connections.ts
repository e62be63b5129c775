// Test support for the sync suites: connections to the sandbox's CRMs, and its generated contacts.
import { HUBSPOT_DEMO_TOKEN, SALESFORCE_DEMO_TOKEN, type Sandbox } from '@joinery/sandbox';
import type { TestJoinery } from '../test-harness.js';

const TOKENS = { hubspot: HUBSPOT_DEMO_TOKEN, salesforce: SALESFORCE_DEMO_TOKEN };

/**
 * An integration `key` for the sandbox's HubSpot or Salesforce, and a connection of tenant `acme`
 * to it with the sandbox's token; answers the connection id. `rateLimits: []` declares none (the
 * sandbox account is unthrottled), to keep the tests short.
 */
export async function connectSandbox(
  joinery: TestJoinery,
  sandbox: Sandbox,
  connector: 'hubspot' | 'salesforce',
  options: { key?: string; rateLimits?: [] } = {},
): Promise<string> {
  const key = options.key ?? connector;
  const integration = await joinery.api('PUT', `/v1/integrations/${key}`, {
    connector,
    baseUrl: `${sandbox.url}/${connector}`,
    allowPrivateNetwork: true,
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  });
  if (integration.status !== 200 && integration.status !== 201)
    throw new Error(
      `PUT /v1/integrations/${key}: ${integration.status} ${JSON.stringify(integration.body)}`,
    );
  const created = await joinery.api('POST', '/v1/connections', {
    integration: key,
    tenant: 'acme',
    credentials: { type: 'bearer', token: TOKENS[connector] },
  });
  if (created.status !== 201)
    throw new Error(`POST /v1/connections: ${created.status} ${JSON.stringify(created.body)}`);
  return (created.body as { id: string }).id;
}

/** Sets the HubSpot sandbox's generated contacts (`count`, `changedFraction`, …), unthrottled. */
export async function generateContacts(
  sandbox: Sandbox,
  body: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${sandbox.url}/hubspot/_sandbox/generated-contacts`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${HUBSPOT_DEMO_TOKEN}` },
    body: JSON.stringify({ unthrottled: true, ...body }),
  });
  if (response.status !== 200)
    throw new Error(`the sandbox refused the generated contacts: ${await response.text()}`);
}
