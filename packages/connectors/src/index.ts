import { fileURLToPath } from 'node:url';
import type { ConnectorDefinition } from '@joinery/engine';
import { github } from './github/connector.js';
import { hubspot } from './hubspot/connector.js';
import { oauth2 } from './oauth2/connector.js';
import { salesforce } from './salesforce/connector.js';
import { slack } from './slack/connector.js';
import { stripe } from './stripe/connector.js';

export { github, hubspot, oauth2, salesforce, slack, stripe };

/** Every connector shipped with Joinery. */
export const builtInConnectors: readonly ConnectorDefinition[] = [
  github,
  slack,
  hubspot,
  salesforce,
  stripe,
  oauth2,
];

/**
 * The shipped connectors' evidence, `<dir>/<connector>/<suite>.<target>.json`, written by their
 * suites (src/testing/evidence.ts); scorecards are computed from it (docs/scorecards.md).
 */
export const shippedEvidenceDir = fileURLToPath(new URL('../evidence', import.meta.url));
