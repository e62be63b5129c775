import { readFileSync } from 'node:fs';
import { HelpRequested, renderHelp, UsageError, type Command } from './command.js';
import { commandGroups, commands } from './commands/index.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { reportError } from './report-error.js';

/**
 * Runs `joinery <argv…>` and answers the exit code: 0 done, 1 the operation failed, 2 bad
 * invocation. Everything goes through `io`, so tests run the CLI in-process.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(`joinery: which command?\n\n${rootHelp()}`);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h') {
    io.stdout.write(rootHelp());
    return EXIT_OK;
  }
  if (name === 'help') {
    const [topic] = rest;
    if (topic === undefined) {
      io.stdout.write(rootHelp());
      return EXIT_OK;
    }
    return run([topic, '--help'], io);
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`joinery ${version()}\n`);
    return EXIT_OK;
  }

  const command = commands.find((candidate) => candidate.spec.name === name);
  if (!command) {
    const guess = closest(name);
    return reportError(
      new UsageError(
        `${name.startsWith('-') ? 'unknown option' : 'unknown command'} ${JSON.stringify(name)}.${guess ? ` Did you mean '${guess}'?` : ''} Run 'joinery --help' for the list of commands.`,
      ),
      io,
    );
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout.write(renderHelp(error.spec));
      return EXIT_OK;
    }
    return reportError(error, io);
  }
}

export function rootHelp(): string {
  const width = Math.max(...commands.map((command) => command.spec.name.length));
  const lines = [
    'joinery: run and use Joinery, the runtime for production-grade integrations.',
    '',
    'Usage: joinery <command> [options]',
  ];
  for (const group of commandGroups) {
    lines.push('', `${group.title}:`);
    for (const command of group.commands)
      lines.push(`  ${listName(command).padEnd(width + 8)}  ${command.spec.summary}`);
  }
  lines.push(
    '',
    "Run 'joinery <command> --help' for a command's options.",
    'Exit codes: 0 done, 1 the operation failed, 2 bad arguments.',
  );
  return `${lines.join('\n')}\n`;
}

function listName(command: Command): string {
  return command.spec.name === 'secret-key' ? 'secret-key rotate' : command.spec.name;
}

/** The nearest command name within two edits, for "did you mean". */
function closest(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const command of commands) {
    const distance = editDistance(name, command.spec.name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) {
      best = { name: command.spec.name, distance };
    }
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function version(): string {
  // package.json sits one level above both src/ and dist/.
  const manifest = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version?: string };
  return manifest.version ?? 'unknown';
}
