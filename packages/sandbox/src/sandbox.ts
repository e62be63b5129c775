import { startServer, type Sandbox } from './core/server.js';
import { createGitHubProvider } from './github/github-provider.js';
import type { GitHubSandboxOptions } from './github/options.js';
import { createHubSpotProvider } from './hubspot/hubspot-provider.js';
import type { HubSpotSandboxOptions } from './hubspot/options.js';
import type { SalesforceSandboxOptions } from './salesforce/options.js';
import { createSalesforceProvider } from './salesforce/salesforce-provider.js';
import type { SlackSandboxOptions } from './slack/options.js';
import { createSlackProvider } from './slack/slack-provider.js';

export interface SandboxOptions {
  /** Interface to listen on. Defaults to `127.0.0.1`: the sandbox has no business on a network. */
  host?: string;
  /** Port to listen on. Defaults to 0, any free port; read the chosen one from `url`. */
  port?: number;
  github?: GitHubSandboxOptions;
  slack?: SlackSandboxOptions;
  hubspot?: HubSpotSandboxOptions;
  salesforce?: SalesforceSandboxOptions;
}

/**
 * Starts every provider the sandbox has: GitHub under `/github`, Slack under `/slack`, HubSpot
 * under `/hubspot` and Salesforce under `/salesforce`, on one port.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be a whole number from 0 to 65535 (got ${port}).`);
  }
  return startServer({
    host: options.host ?? '127.0.0.1',
    port,
    providers: [
      createGitHubProvider(options.github),
      createSlackProvider(options.slack),
      createHubSpotProvider(options.hubspot),
      createSalesforceProvider(options.salesforce),
    ],
  });
}
