/** Flags of `joinery-sandbox`, parsed without a library: there are three. */
import { DEMO_TOKEN } from './github/options.js';
import {
  HUBSPOT_DEMO_CLIENT_ID,
  HUBSPOT_DEMO_CLIENT_SECRET,
  HUBSPOT_DEMO_TOKEN,
} from './hubspot/options.js';
import {
  SALESFORCE_DEMO_CLIENT_ID,
  SALESFORCE_DEMO_CLIENT_SECRET,
  SALESFORCE_DEMO_TOKEN,
} from './salesforce/options.js';
import {
  SLACK_DEMO_CLIENT_ID,
  SLACK_DEMO_CLIENT_SECRET,
  SLACK_DEMO_TOKEN,
} from './slack/options.js';

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

Slack Web API (base URL: http://<host>:<port>/slack), HTTP 200 with {"ok":true|false,…}:
  POST  /api/<method>      form-encoded or JSON; GET with a query for reads
        token: "Authorization: Bearer xoxb-…" or a form field "token" (never the query)
  auth.test, auth.revoke (later calls: token_revoked), chat.postMessage, chat.update,
  conversations.list, conversations.history, users.list (cursor, limit), users.lookupByEmail
  GET   /oauth/v2/authorize  client_id, scope, redirect_uri, state  → 302 with code (or error=access_denied)
  POST  /api/oauth.v2.access client id/secret by Basic auth or form; grant_type authorization_code | refresh_token
  Rate limits per method tier per minute (Tier 1–4: 1, 20, 50, 100), chat.postMessage 1/s per channel:
  HTTP 429, Retry-After seconds, {"ok":false,"error":"ratelimited"}.

HubSpot (base URL: http://<host>:<port>/hubspot), "Authorization: Bearer pat-na1-…" or an OAuth token:
  GET/POST  /crm/v3/objects/{contacts|companies}           limit (≤100), after, properties, associations
  GET/PATCH /crm/v3/objects/{contacts|companies}/{id}       idProperty=email
  POST      /crm/v3/objects/{contacts|companies}/search     filterGroups, sorts, query, limit (≤200), after
  PUT       /crm/v4/objects/contacts/{id}/associations/default/companies/{companyId}
  GET       /crm/v4/objects/{type}/{id}/associations/{toType}
  GET       /oauth/authorize → 302 with code;  POST /oauth/v1/token (form: authorization_code | refresh_token)
  GET       /oauth/v1/access-tokens/{token};   DELETE /oauth/v1/refresh-tokens/{token} (uninstall)
  Limits: 100 per 10 s per private app (110 per OAuth app), 250 000 a day per account for private apps,
  search 5/s: HTTP 429 with policyName TEN_SECONDLY_ROLLING | DAILY | SECONDLY; X-HubSpot-RateLimit-* headers.

Salesforce (instance URL: http://<host>:<port>/salesforce), "Authorization: Bearer <session id>":
  GET   /services/data                                  versions (31.0–65.0; others 404 NOT_FOUND)
  GET   /services/data/vXX.X/query?q=SOQL               SELECT … FROM Contact|Account [WHERE] [ORDER BY] [LIMIT]
  GET   /services/data/vXX.X/query/{locator}-{offset}  where nextRecordsUrl points (batches of 2000)
  GET   /services/data/vXX.X/sobjects[/{Contact|Account}/describe]
  POST  /services/data/vXX.X/sobjects/{Contact|Account}
  GET/PATCH /services/data/vXX.X/sobjects/{Contact|Account}/{id}
  GET   /services/data/vXX.X/limits
  GET   /services/oauth2/authorize → 302 with code;  POST /services/oauth2/token;  POST /services/oauth2/revoke
  Sessions end after 2 h without a call (401 INVALID_SESSION_ID); Sforce-Limit-Info: api-usage=N/M on every
  answer, 15 000 per rolling 24 h, then 403 REQUEST_LIMIT_EXCEEDED.

OAuth authorize endpoints approve at once; add sandbox_deny=1 (or arm a 3xx status fault on the path) for
error=access_denied. Redirect URIs: any http(s) URI. Demo credentials (fake, for the sandbox only):
  GitHub      token ${DEMO_TOKEN}
  Slack       token ${SLACK_DEMO_TOKEN}
              client_id ${SLACK_DEMO_CLIENT_ID}  client_secret ${SLACK_DEMO_CLIENT_SECRET}
  HubSpot     token ${HUBSPOT_DEMO_TOKEN}
              client_id ${HUBSPOT_DEMO_CLIENT_ID}  client_secret ${HUBSPOT_DEMO_CLIENT_SECRET}
  Salesforce  token ${SALESFORCE_DEMO_TOKEN}
              client_id ${SALESFORCE_DEMO_CLIENT_ID}  client_secret ${SALESFORCE_DEMO_CLIENT_SECRET}

Fault injection and inspection (http://<host>:<port>/_sandbox):
  POST   /_sandbox/faults    arm a rule, e.g.
         {"method":"POST","path":"/repos/octocat/hello-world/issues","fault":{"kind":"status","status":502},"times":2}
         path is matched after the provider prefix; "provider":"slack" limits a rule to one provider;
         {"regex":"^/repos/"} matches a pattern; "times":"Infinity" never runs out.
         Fault kinds: latency {ms}, status {status, body?, headers?}, rate_limit {status?, retryAfter?, resetAfter?},
         reset, reset_mid_body, hang, malformed, empty.
  GET    /_sandbox/faults    armed rules
  DELETE /_sandbox/faults    disarm all
  GET    /_sandbox/requests  recorded requests (tokens as sha256 fingerprints) and counts per "METHOD /path"
  POST   /_sandbox/reset     back to the seeded data; clears rate limits, faults and recordings

Stop with Ctrl-C (SIGINT) or SIGTERM.
`;
