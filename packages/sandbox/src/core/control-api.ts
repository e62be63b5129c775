import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidFaultRuleError, validateFaultRule, type FaultScheduleInternal } from './faults.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import type { Provider } from './provider.js';
import type { RequestLog } from './request-log.js';
import { sendJson } from './send.js';

export const CONTROL_PREFIX = '/_sandbox';

export interface ControlDeps {
  faults: FaultScheduleInternal;
  log: RequestLog;
  reset(): void;
  providers: readonly Pick<Provider, 'name' | 'prefix' | 'description'>[];
}

/** What `GET /_sandbox` answers: the control API describing itself. */
const INDEX = {
  routes: {
    'GET /_sandbox/faults': 'Armed fault rules.',
    'POST /_sandbox/faults':
      'Arm a rule: {"method"?: "POST", "path"?: "/user/repos" | {"regex": "^/repos/"}, "provider"?: "github" | "slack" | "hubspot" | "salesforce", "fault": {"kind": …}, "times"?: 1 | "Infinity"}. The path is matched after the provider prefix.',
    'DELETE /_sandbox/faults': 'Disarm every rule.',
    'GET /_sandbox/requests':
      'Recorded requests (credentials as sha256 fingerprints) and counts per "METHOD /path".',
    'POST /_sandbox/reset':
      'Back to the seeded state: data, rate limits, faults, recorded requests.',
  },
  faultKinds: {
    latency: '{"kind":"latency","ms":500}',
    status: '{"kind":"status","status":502,"body"?:…,"headers"?:{…}}',
    rate_limit:
      '{"kind":"rate_limit","status"?:403|429,"retryAfter"?:30|"http-date","resetAfter"?:60}',
    reset: '{"kind":"reset"}',
    reset_mid_body: '{"kind":"reset_mid_body"}',
    hang: '{"kind":"hang"}',
    malformed: '{"kind":"malformed"}',
    empty: '{"kind":"empty"}',
  },
  providerFaults: {
    status:
      'Without "body", the provider\'s own error envelope for the status: Slack {"ok":false,"error":…}, HubSpot {"status":"error",…,"category"}, Salesforce [{"message","errorCode"}]. A 3xx on an OAuth authorize path is the user declining (redirect with error=access_denied); a 400 on a token endpoint is a dead refresh token in that provider\'s shape.',
    rate_limit:
      'GitHub: primary 403 (or secondary with retryAfter). Slack: 429, Retry-After retryAfter (default 30), "ratelimited". HubSpot: 429 TEN_SECONDLY_ROLLING, remaining 0, Retry-After only if retryAfter is given. Salesforce: 403 REQUEST_LIMIT_EXCEEDED, api-usage=M/M.',
  },
};

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: 'method_not_allowed', message: `Use ${allow} here.` }, { allow });
}

/** Out-of-process control of the same schedule, log and state that `Sandbox` exposes. */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  deps: ControlDeps,
): Promise<void> {
  const method = req.method ?? 'GET';
  switch (path) {
    case CONTROL_PREFIX:
    case `${CONTROL_PREFIX}/`:
      return sendJson(res, 200, {
        providers: Object.fromEntries(
          deps.providers.map((p) => [p.name, { prefix: p.prefix, description: p.description }]),
        ),
        ...INDEX,
      });

    case `${CONTROL_PREFIX}/faults`:
      if (method === 'GET')
        return sendJson(res, 200, {
          pending: deps.faults.pending(),
          rules: deps.faults.describe(),
        });
      if (method === 'DELETE') {
        deps.faults.clear();
        return sendJson(res, 200, { pending: 0 });
      }
      if (method === 'POST') {
        let rule: unknown;
        try {
          rule = JSON.parse((await readBody(req)).toString('utf8'));
        } catch (error) {
          if (error instanceof BodyTooLargeError)
            return sendJson(res, 413, { error: error.code, message: error.message });
          return sendJson(res, 400, {
            error: 'invalid_json',
            message: 'The body must be a JSON fault rule; see GET /_sandbox.',
          });
        }
        try {
          deps.faults.add(validateFaultRule(rule));
        } catch (error) {
          if (error instanceof InvalidFaultRuleError)
            return sendJson(res, 400, { error: error.code, message: error.message });
          throw error;
        }
        return sendJson(res, 201, { pending: deps.faults.pending() });
      }
      return methodNotAllowed(res, 'GET, POST, DELETE');

    case `${CONTROL_PREFIX}/requests`:
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      return sendJson(res, 200, { requests: deps.log.requests, counts: deps.log.counts() });

    case `${CONTROL_PREFIX}/reset`:
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      deps.reset();
      return sendJson(res, 200, { reset: true });

    default:
      return sendJson(res, 404, {
        error: 'not_found',
        message: `No control route ${path}; GET ${CONTROL_PREFIX} lists them.`,
      });
  }
}
