import type { Command } from '../command.js';
import { callCommand } from './call.js';
import { connectCommand } from './connect.js';
import { connectionsCommand } from './connections.js';
import { connectorsCommand } from './connectors.js';
import { logsCommand } from './logs.js';
import { mcpCommand } from './mcp.js';
import { secretKeyCommand } from './secret-key.js';
import { startCommand } from './start.js';

/** Every command, grouped as `joinery --help` lists them. */
export const commandGroups: readonly { title: string; commands: readonly Command[] }[] = [
  { title: 'Run Joinery', commands: [startCommand, secretKeyCommand] },
  {
    title: 'Use a running Joinery (reads JOINERY_URL and JOINERY_SECRET_KEY)',
    commands: [
      connectorsCommand,
      connectCommand,
      connectionsCommand,
      callCommand,
      logsCommand,
      mcpCommand,
    ],
  },
];

export const commands: readonly Command[] = commandGroups.flatMap((group) => group.commands);
