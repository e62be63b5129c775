export { startSandbox } from './sandbox.js';
export type { SandboxOptions } from './sandbox.js';
export type { Sandbox } from './core/server.js';
export type { GitHubSandboxOptions } from './github/options.js';
export { DEMO_LOGIN, DEMO_TOKEN } from './github/options.js';
export type { SlackOAuthClient, SlackRateLimits, SlackSandboxOptions } from './slack/options.js';
export {
  SLACK_DEMO_CLIENT_ID,
  SLACK_DEMO_CLIENT_SECRET,
  SLACK_DEMO_TOKEN,
  SLACK_INACTIVE_TOKEN,
} from './slack/options.js';
export type { HubSpotOAuthClient, HubSpotSandboxOptions } from './hubspot/options.js';
export {
  HUBSPOT_DEMO_CLIENT_ID,
  HUBSPOT_DEMO_CLIENT_SECRET,
  HUBSPOT_DEMO_TOKEN,
} from './hubspot/options.js';
export type { SalesforceConnectedApp, SalesforceSandboxOptions } from './salesforce/options.js';
export {
  SALESFORCE_DEMO_CLIENT_ID,
  SALESFORCE_DEMO_CLIENT_SECRET,
  SALESFORCE_DEMO_TOKEN,
} from './salesforce/options.js';
export type { Fault, FaultKind, FaultRule, FaultSchedule } from './core/faults.js';
export { InvalidFaultRuleError, MAX_HANG_MS, MAX_LATENCY_MS } from './core/faults.js';
export type { RecordedRequest } from './core/request-log.js';
