/** Flags of `joinery-sandbox`, parsed without a library: there are three. */

export const DEFAULT_PORT = 4010;
export const DEFAULT_HOST = '127.0.0.1';

export type CliCommand = { kind: 'help' } | { kind: 'start'; port: number; host: string };

export class CliUsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export function parseCliArgs(argv: readonly string[]): CliCommand {
  let port = DEFAULT_PORT;
  let host = DEFAULT_HOST;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (flag !== '--port' && flag !== '--host') {
      throw new CliUsageError(
        `Unknown argument "${arg}". Expected --port <number>, --host <address> or --help.`,
      );
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
      throw new CliUsageError(
        `${flag} needs a value, e.g. ${flag === '--port' ? '--port 4010' : '--host 127.0.0.1'}.`,
      );
    }
    if (flag === '--port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) {
        throw new CliUsageError(
          `--port must be a whole number from 0 to 65535 (got "${value}"); 0 picks a free port.`,
        );
      }
      port = Number(value);
    } else {
      host = value;
    }
  }
  return { kind: 'start', port, host };
}

export const HELP = `joinery-sandbox — fake providers that speak real providers' wire formats

Usage: joinery-sandbox [--port ${DEFAULT_PORT}] [--host ${DEFAULT_HOST}]

Flags:
  --port <n>     Port to listen on (default ${DEFAULT_PORT}; 0 picks a free one).
  --host <addr>  Address to listen on (default ${DEFAULT_HOST}, loopback only).
  -h, --help     Show this help.

GitHub REST API (base URL: http://<host>:<port>/github), authenticated with
"Authorization: Bearer <token>" or "Authorization: token <token>":
  GET   /user
  GET   /user/repos                              per_page, page, sort, direction, visibility
  GET   /repos/{owner}/{repo}
  GET   /repos/{owner}/{repo}/issues             state, labels, since, sort, direction, per_page, page
  GET   /repos/{owner}/{repo}/issues/{number}
  POST  /repos/{owner}/{repo}/issues             {title, body?, labels?, assignees?}
  PATCH /repos/{owner}/{repo}/issues/{number}    {title?, body?, state?, state_reason?, labels?, assignees?}
  GET   /repositories/{id}, /repositories/{id}/issues   (where GitHub's Link headers point)
  GET   /rate_limit                               (free, like GitHub's)
  Rate limit: 5000 requests per token per hour; x-ratelimit-* headers on every answer.

Fault injection and inspection (http://<host>:<port>/_sandbox):
  POST   /_sandbox/faults    arm a rule, e.g.
         {"method":"POST","path":"/repos/octocat/hello-world/issues","fault":{"kind":"status","status":502},"times":2}
         path is matched after /github; {"regex":"^/repos/"} matches a pattern; "times":"Infinity" never runs out.
         Fault kinds: latency {ms}, status {status, body?, headers?}, rate_limit {status?, retryAfter?, resetAfter?},
         reset, reset_mid_body, hang, malformed, empty.
  GET    /_sandbox/faults    armed rules
  DELETE /_sandbox/faults    disarm all
  GET    /_sandbox/requests  recorded requests (tokens as sha256 fingerprints) and counts per "METHOD /path"
  POST   /_sandbox/reset     back to the seeded data; clears rate limits, faults and recordings

Stop with Ctrl-C (SIGINT) or SIGTERM.
`;
