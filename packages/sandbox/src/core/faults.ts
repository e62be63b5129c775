/**
 * What can go wrong with one request. Which kinds still run the provider's handler matters for
 * idempotency tests: `reset_mid_body`, `malformed` and `empty` let the side effect happen and
 * break only the answer (the dangerous case: "did my POST go through?"); `status`, `rate_limit`,
 * `reset` and `hang` stop the request before the handler runs.
 */
export type Fault =
  /** Wait `ms` (at most {@link MAX_LATENCY_MS}), then answer normally. */
  | { kind: 'latency'; ms: number }
  /** Answer with this status; the body defaults to the provider's error format for it. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /**
   * The provider's rate-limit answer. Without `retryAfter`: the primary limit (GitHub:
   * `x-ratelimit-remaining: 0` and `x-ratelimit-reset`). With it: the secondary limit, with a
   * `retry-after` header in seconds or, for `'http-date'`, an HTTP-date 60 s ahead.
   * `resetAfter` (seconds) moves the primary limit's reset closer; defaults to the real window's.
   */
  | {
      kind: 'rate_limit';
      retryAfter?: number | 'http-date';
      status?: 403 | 429;
      resetAfter?: number;
    }
  /** Destroy the socket (TCP RST) before any byte of the response. */
  | { kind: 'reset' }
  /** Send the status line, the headers and half the body, then close the connection. */
  | { kind: 'reset_mid_body' }
  /** Never answer; the socket is destroyed by `close()` or after {@link MAX_HANG_MS}. */
  | { kind: 'hang' }
  /** 200 with the first half of the real JSON body, so it cannot be parsed. */
  | { kind: 'malformed' }
  /** 200 with an empty body. */
  | { kind: 'empty' };

export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'latency',
  'status',
  'rate_limit',
  'reset',
  'reset_mid_body',
  'hang',
  'malformed',
  'empty',
];

/** Latency beyond this is a hang; ask for `hang` instead. */
export const MAX_LATENCY_MS = 120_000;
/** A hung request's socket is destroyed after this, like a load balancer's idle timeout. */
export const MAX_HANG_MS = 600_000;

export interface FaultRule {
  /** HTTP method to match, case-insensitive. Defaults to any method. */
  method?: string;
  /**
   * Path to match, after the provider prefix (`/repos/o/r/issues`, not `/github/repos/…`) and
   * without the query string. A string must match exactly. Defaults to any path.
   */
  path?: string | RegExp;
  /** Provider name (`'github'`). Defaults to any provider. */
  provider?: string;
  fault: Fault;
  /** How many matching requests get the fault. Defaults to 1; `Infinity` allowed. */
  times?: number;
}

export interface FaultSchedule {
  /** Arm a rule. Rules are tried in the order they were added; the first match fires. */
  add(rule: FaultRule): void;
  clear(): void;
  /** Number of rules that can still fire. */
  pending(): number;
}

/** What the server needs on top of the public schedule. */
export interface FaultScheduleInternal extends FaultSchedule {
  /** The fault for this request, if a rule matches; consumes one of that rule's `times`. */
  take(request: { method: string; path: string; provider: string }): Fault | undefined;
  /** A description of the armed rules, for the control API. */
  describe(): {
    method: string | null;
    path: string | null;
    provider: string | null;
    fault: Fault;
    remaining: number | 'Infinity';
  }[];
}

interface ArmedRule {
  method: string | undefined;
  path: string | RegExp | undefined;
  provider: string | undefined;
  fault: Fault;
  remaining: number;
}

export function createFaultSchedule(): FaultScheduleInternal {
  const rules: ArmedRule[] = [];

  const matches = (
    rule: ArmedRule,
    request: { method: string; path: string; provider: string },
  ): boolean => {
    if (rule.method !== undefined && rule.method !== request.method.toUpperCase()) return false;
    if (rule.provider !== undefined && rule.provider !== request.provider) return false;
    if (rule.path === undefined) return true;
    if (typeof rule.path === 'string') return rule.path === request.path;
    rule.path.lastIndex = 0; // a /g or /y regex would otherwise remember where it stopped
    return rule.path.test(request.path);
  };

  return {
    add(rule) {
      const checked = validateFaultRule(rule);
      rules.push({
        method: checked.method?.toUpperCase(),
        path: checked.path,
        provider: checked.provider,
        fault: checked.fault,
        remaining: checked.times ?? 1,
      });
    },
    clear() {
      rules.length = 0;
    },
    pending() {
      return rules.length;
    },
    take(request) {
      const index = rules.findIndex((rule) => matches(rule, request));
      const rule = rules[index];
      if (rule === undefined) return undefined;
      rule.remaining -= 1;
      if (rule.remaining <= 0) rules.splice(index, 1);
      return rule.fault;
    },
    describe() {
      return rules.map((rule) => ({
        method: rule.method ?? null,
        path: rule.path === undefined ? null : String(rule.path),
        provider: rule.provider ?? null,
        fault: rule.fault,
        remaining: rule.remaining === Infinity ? 'Infinity' : rule.remaining,
      }));
    },
  };
}

/** Thrown for a rule that cannot be armed; the message names the field and what is expected. */
export class InvalidFaultRuleError extends Error {
  readonly code = 'invalid_fault_rule';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFaultRuleError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a rule from TypeScript or from JSON (where `path` may be `{"regex": "…", "flags": "i"}`
 * and `times` may be the string `"Infinity"`), and returns it in its typed form.
 */
export function validateFaultRule(input: unknown): FaultRule {
  if (!isRecord(input))
    throw new InvalidFaultRuleError('A fault rule must be an object with a `fault` field.');
  const rule: FaultRule = { fault: validateFault(input['fault']) };

  const method = input['method'];
  if (method !== undefined) {
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
      throw new InvalidFaultRuleError(
        '`method` must be an HTTP method name such as "GET" or "POST".',
      );
    }
    rule.method = method;
  }

  const path = input['path'];
  if (path !== undefined) {
    if (typeof path === 'string') {
      if (!path.startsWith('/'))
        throw new InvalidFaultRuleError(
          '`path` must start with "/" (it is matched after the provider prefix, e.g. "/user/repos").',
        );
      rule.path = path;
    } else if (path instanceof RegExp) {
      rule.path = path;
    } else if (isRecord(path) && typeof path['regex'] === 'string') {
      const flags = path['flags'] ?? '';
      if (typeof flags !== 'string')
        throw new InvalidFaultRuleError(
          '`path.flags` must be a string of RegExp flags such as "i".',
        );
      try {
        rule.path = new RegExp(path['regex'], flags);
      } catch (error) {
        throw new InvalidFaultRuleError(
          `\`path.regex\` is not a valid regular expression: ${(error as Error).message}`,
        );
      }
    } else {
      throw new InvalidFaultRuleError('`path` must be a string or {"regex": "…"}.');
    }
  }

  const provider = input['provider'];
  if (provider !== undefined) {
    if (typeof provider !== 'string')
      throw new InvalidFaultRuleError('`provider` must be a provider name such as "github".');
    rule.provider = provider;
  }

  const times = input['times'] === 'Infinity' ? Infinity : input['times'];
  if (times !== undefined) {
    if (
      typeof times !== 'number' ||
      !(times === Infinity || (Number.isInteger(times) && times >= 1))
    ) {
      throw new InvalidFaultRuleError(
        '`times` must be a whole number ≥ 1 or Infinity ("Infinity" in JSON).',
      );
    }
    rule.times = times;
  }
  return rule;
}

function validateFault(input: unknown): Fault {
  if (!isRecord(input) || typeof input['kind'] !== 'string') {
    throw new InvalidFaultRuleError(
      `\`fault\` must be an object with a \`kind\`, one of: ${FAULT_KINDS.join(', ')}.`,
    );
  }
  const kind = input['kind'];
  switch (kind) {
    case 'latency': {
      const ms = input['ms'];
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
        throw new InvalidFaultRuleError(
          `\`fault.ms\` must be a number of milliseconds from 0 to ${MAX_LATENCY_MS}; use {"kind":"hang"} for longer.`,
        );
      }
      return { kind, ms };
    }
    case 'status': {
      const status = input['status'];
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
        throw new InvalidFaultRuleError(
          '`fault.status` must be an HTTP status code from 200 to 599.',
        );
      }
      const fault: Fault = { kind, status };
      if (input['body'] !== undefined) fault.body = input['body'];
      const headers = input['headers'];
      if (headers !== undefined) {
        if (
          !isRecord(headers) ||
          !Object.values(headers).every((value) => typeof value === 'string')
        ) {
          throw new InvalidFaultRuleError(
            '`fault.headers` must be an object of string header values.',
          );
        }
        fault.headers = headers as Record<string, string>;
      }
      return fault;
    }
    case 'rate_limit': {
      const fault: Fault = { kind };
      const retryAfter = input['retryAfter'];
      if (retryAfter !== undefined) {
        if (
          retryAfter !== 'http-date' &&
          (typeof retryAfter !== 'number' || !Number.isInteger(retryAfter) || retryAfter < 0)
        ) {
          throw new InvalidFaultRuleError(
            '`fault.retryAfter` must be a whole number of seconds ≥ 0 or "http-date".',
          );
        }
        fault.retryAfter = retryAfter;
      }
      const status = input['status'];
      if (status !== undefined) {
        if (status !== 403 && status !== 429)
          throw new InvalidFaultRuleError('`fault.status` must be 403 or 429 for a rate limit.');
        fault.status = status;
      }
      const resetAfter = input['resetAfter'];
      if (resetAfter !== undefined) {
        if (typeof resetAfter !== 'number' || !Number.isInteger(resetAfter) || resetAfter < 0) {
          throw new InvalidFaultRuleError(
            '`fault.resetAfter` must be a whole number of seconds ≥ 0.',
          );
        }
        fault.resetAfter = resetAfter;
      }
      return fault;
    }
    case 'reset':
    case 'reset_mid_body':
    case 'hang':
    case 'malformed':
    case 'empty':
      return { kind };
    default:
      throw new InvalidFaultRuleError(
        `Unknown fault kind "${kind}"; expected one of: ${FAULT_KINDS.join(', ')}.`,
      );
  }
}
