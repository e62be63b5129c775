import type { ConnectorDefinition } from '@joinery/engine';
import { github } from './github/connector.js';

export { github };

/** Every connector shipped with Joinery. */
export const builtInConnectors: readonly ConnectorDefinition[] = [github];
