import type { Command } from '../command.js';
import { callCommand } from './call.js';
import { connectCommand } from './connect.js';
import { connectionsCommand } from './connections.js';
import { connectorsCommand } from './connectors.js';
import { deadLettersCommand } from './dead-letters.js';
import { logsCommand } from './logs.js';
import { mcpCommand } from './mcp.js';
import { scorecardCommand } from './scorecard.js';
import { secretKeyCommand } from './secret-key.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { syncsCommand } from './syncs.js';
import { webhookEndpointsCommand } from './webhook-endpoints.js';
import { workerCommand } from './worker.js';
import { runsCommand } from './runs.js';

/** Every command, grouped as `joinery --help` lists them. */
export const commandGroups: readonly { title: string; commands: readonly Command[] }[] = [
  { title: 'Run Joinery', commands: [startCommand, workerCommand, secretKeyCommand] },
  {
    title: 'Use a running Joinery (reads JOINERY_URL and JOINERY_SECRET_KEY)',
    commands: [
      statusCommand,
      connectorsCommand,
      scorecardCommand,
      connectCommand,
      connectionsCommand,
      callCommand,
      logsCommand,
      runsCommand,
      syncsCommand,
      webhookEndpointsCommand,
      deadLettersCommand,
      mcpCommand,
    ],
  },
];

export const commands: readonly Command[] = commandGroups.flatMap((group) => group.commands);
