import { z } from 'zod';
import { defineAction, defineConnector, defineHttpAction } from '../connector/define.js';
import type { ConnectorDefinition } from '../connector/types.js';

/**
 * What a connector file in `JOINERY_CONNECTORS_DIR` is written against. A file's default export is
 * a connector, or a function of this kit that returns one:
 *
 * ```ts
 * import type { ConnectorKit } from '@joinery/engine';
 * export default ({ defineConnector, defineHttpAction, z }: ConnectorKit) => defineConnector({ … });
 * ```
 *
 * The function form needs no runtime import, so the file loads from any directory, compiled or
 * not, and its schemas are made with the same zod instance Joinery validates with.
 */
export interface ConnectorKit {
  defineConnector: typeof defineConnector;
  defineHttpAction: typeof defineHttpAction;
  defineAction: typeof defineAction;
  z: typeof z;
}

export const connectorKit: ConnectorKit = Object.freeze({
  defineConnector,
  defineHttpAction,
  defineAction,
  z,
});

/** A connector file's default export. */
export type ConnectorModuleExport =
  ConnectorDefinition | ((kit: ConnectorKit) => ConnectorDefinition);
