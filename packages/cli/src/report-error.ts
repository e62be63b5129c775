import { isJoineryError, type JoineryError } from '@joinery/sdk';
import { UsageError } from './command.js';
import { EXIT_FAILURE, EXIT_USAGE, type CliIo } from './io.js';
import { terminalSafe, truncate } from './output.js';

/** Writes what went wrong to stderr and answers the exit code. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    const prefix = error.command ? `joinery ${error.command}` : 'joinery';
    io.stderr.write(`${prefix}: ${error.message}\n`);
    if (error.command) io.stderr.write(`Run 'joinery ${error.command} --help' for usage.\n`);
    return EXIT_USAGE;
  }
  if (isJoineryError(error)) {
    io.stderr.write(formatApiError(error));
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: ${terminalSafe(message)}\n`);
  return EXIT_FAILURE;
}

/** `error <code>: <message>`, then what to do about it when there is something to do. */
export function formatApiError(error: JoineryError): string {
  const lines = [`error ${error.code}: ${terminalSafe(error.message)}`];
  if (error.path !== undefined) lines.push(`at: ${terminalSafe(error.path)}`);
  if (error.details !== undefined) {
    lines.push(`details: ${truncate(terminalSafe(JSON.stringify(error.details)), 500)}`);
  }
  const hint = hintFor(error);
  if (hint) lines.push(`hint: ${hint}`);
  if (error.requestId !== undefined) lines.push(`request id: ${terminalSafe(error.requestId)}`);
  return `${lines.join('\n')}\n`;
}

function hintFor(error: JoineryError): string | undefined {
  const connection = error.connectionId ? `connection ${error.connectionId}` : 'the connection';
  switch (error.code) {
    case 'auth_revoked':
    case 'auth_expired':
      return `${connection} needs re-authorisation: create a new one with \`joinery connect <integration> --tenant <tenant> …\` and fresh credentials.`;
    case 'unauthorized':
      return 'this server did not accept JOINERY_SECRET_KEY. Use the key `joinery start` printed on first start; `joinery secret-key rotate` (server stopped) issues a new one.';
    case 'blocked_destination':
      return 'the destination is a private or loopback address; an integration reaching a sandbox needs allowPrivateNetwork: true.';
    case 'network':
      // No HTTP status: the CLI never reached Joinery (as opposed to Joinery not reaching the provider).
      if (error.status === null) {
        return 'is Joinery running there? Start it with `joinery start`, or point --url / JOINERY_URL at it.';
      }
      break;
  }
  if (!error.retryable) return undefined;
  return error.retryAfterMs !== undefined
    ? `this is temporary: retry in ${formatSeconds(error.retryAfterMs)}.`
    : 'this is temporary: retrying later may succeed.';
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
