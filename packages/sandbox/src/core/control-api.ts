import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidFaultRuleError, validateFaultRule, type FaultScheduleInternal } from './faults.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import type { RequestLog } from './request-log.js';
import { sendJson } from './send.js';

export const CONTROL_PREFIX = '/_sandbox';

export interface ControlDeps {
  faults: FaultScheduleInternal;
  log: RequestLog;
  reset(): void;
}

/** What `GET /_sandbox` answers: the control API describing itself. */
const INDEX = {
  routes: {
    'GET /_sandbox/faults': 'Armed fault rules.',
    'POST /_sandbox/faults':
      'Arm a rule: {"method"?: "POST", "path"?: "/user/repos" | {"regex": "^/repos/"}, "provider"?: "github", "fault": {"kind": …}, "times"?: 1 | "Infinity"}.',
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
      return sendJson(res, 200, INDEX);

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
