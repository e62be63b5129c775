import type { AuthType, ConnectorDefinition } from '../connector/types.js';
import { authTypesOf } from '../connector/registry.js';
import { IDEMPOTENT_METHODS, defaultRetryOptions } from '../outbound/policies/retry.js';
import type { ConnectorEvidence } from './evidence-files.js';
import type { EvidenceFacet, EvidenceTarget, SuiteEvidence } from './evidence.js';
import type { ConnectorOrigin } from './origin.js';

/**
 * - `native`: maintained and tested — a contract suite passed without failures within the
 *   freshness window, a passing test proves its error handling, token renewal is proven where it
 *   uses OAuth, and no suite's latest run has a failing test.
 * - `supported`: some passing evidence, with gaps (the scorecard names them).
 * - `theoretical`: no passing evidence at all — an API exists, and a connector for it.
 */
export const TRUST_LEVELS = ['native', 'supported', 'theoretical'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export const SCORECARD_QUESTIONS = [
  ['maintainer', 'Who maintains it?'],
  ['last_verified', 'When was it last verified?'],
  ['auth_renewal', 'Does it renew auth?'],
  ['errors', 'What does it do on errors?'],
  ['rate_limits', 'Does it respect rate limits?'],
  ['monitoring', 'Is it monitored?'],
  ['fallback', 'What is the fallback when it is down?'],
] as const;
export type QuestionId = (typeof SCORECARD_QUESTIONS)[number][0];

/** `yes`: answered and proven; `partial`: declared or done, not (freshly) proven; `no`: not done. */
export const ANSWER_STATUSES = ['yes', 'partial', 'no', 'not_applicable'] as const;
export type AnswerStatus = (typeof ANSWER_STATUSES)[number];

export interface EvidenceRef {
  /** `declared`: the connector's data; `suite`: a recorded suite run; `joinery`: what Joinery itself does for every connector. */
  source: 'declared' | 'suite' | 'joinery';
  detail: string;
}

export interface ScorecardAnswer {
  id: QuestionId;
  question: string;
  status: AnswerStatus;
  answer: string;
  evidence: EvidenceRef[];
}

export interface Scorecard {
  connector: string;
  name: string;
  trustLevel: TrustLevel;
  /** For `native`, what was proven; otherwise what stands between it and the next level. */
  levelReasons: string[];
  answers: ScorecardAnswer[];
  /** Evidence files that could not be used (they count as no evidence). */
  evidenceProblems: string[];
  /** Evidence older than this many days proves nothing for `native`. */
  freshDays: number;
  computedAt: string;
}

export interface ScorecardOptions {
  /** Defaults to now. */
  now?: Date;
  /** Evidence older than this does not count towards `native`. Defaults to 30 days. */
  freshDays?: number;
}

const DAY_MS = 86_400_000;
/** How a run's target reads after the verb: "ran against a sandbox", "ran in process". */
const TARGET_PHRASE: Record<EvidenceTarget, string> = {
  live: 'against the live API',
  sandbox: 'against a sandbox',
  recording: 'against recorded traffic',
  in_process: 'in process (no provider server)',
};
const OAUTH_TYPES: readonly AuthType[] = ['oauth2', 'oauth2_client_credentials'];

/** A scorecard computed from the connector's declared data and its suites' recorded evidence. */
export function computeScorecard(
  connector: ConnectorDefinition,
  origin: ConnectorOrigin,
  recorded: ConnectorEvidence,
  options: ScorecardOptions = {},
): Scorecard {
  const now = options.now ?? new Date();
  const freshDays = options.freshDays ?? 30;
  const facts = new Facts(recorded.evidence, now, freshDays);
  const level = trustLevel(connector, facts);
  return {
    connector: connector.id,
    name: connector.name,
    trustLevel: level.level,
    levelReasons: level.reasons,
    answers: [
      maintainer(origin, facts),
      lastVerified(facts),
      authRenewal(connector, facts),
      errorHandling(connector, facts),
      rateLimits(connector, facts),
      monitoring(connector),
      fallback(connector, facts),
    ],
    evidenceProblems: recorded.problems,
    freshDays,
    computedAt: now.toISOString(),
  };
}

/** Questions asked of the evidence, with the freshness window applied once. */
class Facts {
  constructor(
    readonly suites: readonly SuiteEvidence[],
    readonly now: Date,
    readonly freshDays: number,
  ) {}

  fresh(suite: SuiteEvidence): boolean {
    return this.now.getTime() - Date.parse(suite.finishedAt) <= this.freshDays * DAY_MS;
  }

  /** Ran, something passed, nothing failed. Skipped tests prove nothing either way. */
  clean(suite: SuiteEvidence): boolean {
    return suite.totals.failed === 0 && suite.totals.passed > 0;
  }

  /** Fresh runs without failures holding a passed test with one of these facets. */
  proving(facets: readonly EvidenceFacet[]): { suite: SuiteEvidence; tests: string[] }[] {
    return this.suites
      .filter((suite) => this.clean(suite) && this.fresh(suite))
      .map((suite) => ({
        suite,
        tests: suite.tests
          .filter((t) => t.state === 'passed' && t.facets.some((f) => facets.includes(f)))
          .map((t) => t.name),
      }))
      .filter((entry) => entry.tests.length > 0);
  }

  /** Runs whose tests with one of these facets failed (any age: it is their latest run). */
  failing(facets: readonly EvidenceFacet[]): SuiteEvidence[] {
    return this.suites.filter((suite) =>
      suite.tests.some((t) => t.state === 'failed' && t.facets.some((f) => facets.includes(f))),
    );
  }
}

function describeRun(suite: SuiteEvidence): string {
  const { passed, failed, skipped } = suite.totals;
  const host = suite.target.host ? ` (${suite.target.host})` : '';
  const counts = [`${passed} passed`, ...(failed ? [`${failed} failed`] : [])];
  if (skipped) counts.push(`${skipped} skipped`);
  return `${suite.suite}: ${suite.kind} suite ${TARGET_PHRASE[suite.target.kind]}${host}, ${counts.join(', ')}, ${suite.finishedAt.slice(0, 10)} (${suite.file})`;
}

function suiteRef(suite: SuiteEvidence): EvidenceRef {
  return { source: 'suite', detail: describeRun(suite) };
}

function provingRefs(entries: { suite: SuiteEvidence; tests: string[] }[]): EvidenceRef[] {
  return entries.map(({ suite, tests }) => ({
    source: 'suite',
    detail: `${suite.suite} (${TARGET_PHRASE[suite.target.kind]}, ${suite.finishedAt.slice(0, 10)}): ${tests.map((t) => `"${t}"`).join('; ')}`,
  }));
}

function usesOAuth(connector: ConnectorDefinition): boolean {
  return authTypesOf(connector).some((type) => OAUTH_TYPES.includes(type));
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function trustLevel(
  connector: ConnectorDefinition,
  facts: Facts,
): { level: TrustLevel; reasons: string[] } {
  const { suites } = facts;
  if (!suites.some((suite) => suite.totals.passed > 0)) {
    return {
      level: 'theoretical',
      reasons: [
        suites.length === 0
          ? 'no suite has recorded evidence for it: it is untested'
          : 'no recorded suite run has a passing test',
      ],
    };
  }
  const gaps: string[] = [];
  const proofs: string[] = [];
  const contracts = suites.filter((suite) => suite.kind === 'contract');
  const freshContract = contracts.filter((s) => facts.clean(s) && facts.fresh(s));
  if (freshContract.length > 0) {
    proofs.push(...freshContract.map((s) => `contract: ${describeRun(s)}`));
  } else if (contracts.length === 0) {
    gaps.push('no contract suite has run against a sandbox or the live API');
  } else if (contracts.some((s) => facts.clean(s))) {
    gaps.push(`its contract suite last passed more than ${facts.freshDays} days ago`);
  } else {
    gaps.push('no contract suite run passed without failures');
  }
  const errorProof = facts.proving(['errors', 'faults']);
  if (errorProof.length > 0)
    proofs.push(
      `error handling: ${plural(
        errorProof.reduce((n, e) => n + e.tests.length, 0),
        'passing test',
      )} in ${errorProof.map((e) => e.suite.suite).join(', ')}`,
    );
  else
    gaps.push(
      `no passing test from the last ${facts.freshDays} days proves its error handling (a dialect or fault test)`,
    );
  if (usesOAuth(connector)) {
    const renewal = facts.proving(['auth_renewal']);
    if (renewal.length > 0)
      proofs.push(`token renewal: proven in ${renewal.map((e) => e.suite.suite).join(', ')}`);
    else
      gaps.push(
        `it accepts OAuth, and no passing test from the last ${facts.freshDays} days proves token renewal`,
      );
  }
  for (const suite of suites.filter((s) => s.totals.failed > 0)) {
    const names = suite.tests.filter((t) => t.state === 'failed').map((t) => `"${t.name}"`);
    gaps.push(
      `the latest run of ${suite.suite} ${TARGET_PHRASE[suite.target.kind]} has ${plural(suite.totals.failed, 'failing test')}: ${names.join('; ')}`,
    );
  }
  return gaps.length === 0
    ? { level: 'native', reasons: proofs }
    : { level: 'supported', reasons: gaps };
}

function maintainer(origin: ConnectorOrigin, facts: Facts): ScorecardAnswer {
  const base = { id: 'maintainer', question: 'Who maintains it?' } as const;
  const suites = [...new Set(facts.suites.map((s) => s.suite))];
  const tested = suites.length > 0 ? `; its suites: ${suites.join(', ')}` : '';
  switch (origin.kind) {
    case 'shipped':
      return {
        ...base,
        status: 'yes',
        answer: `Joinery: shipped in @joinery/connectors${tested || '; no suite has recorded evidence for it'}.`,
        evidence: [{ source: 'joinery', detail: 'registered from @joinery/connectors' }],
      };
    case 'connectors_dir':
      return {
        ...base,
        status: 'partial',
        answer: `Its owner, not Joinery: loaded from ${origin.file} (JOINERY_CONNECTORS_DIR)${tested || '; no suite of its own has recorded evidence'}.`,
        evidence: [{ source: 'joinery', detail: `loaded from ${origin.file}` }],
      };
    case 'scaffolded':
      return {
        ...base,
        status: 'no',
        answer: `Nobody yet: scaffolded by Joinery's builder from an OpenAPI document (${origin.file}); generated code, unreviewed until someone edits and tests it${tested}.`,
        evidence: [
          {
            source: 'joinery',
            detail: `loaded from ${origin.file}, whose first line says Joinery's builder scaffolded it`,
          },
        ],
      };
    case 'embedded':
      return {
        ...base,
        status: 'partial',
        answer: `The program that embeds Joinery: it was passed in code, not shipped with Joinery${tested}.`,
        evidence: [{ source: 'joinery', detail: 'passed to the engine in code' }],
      };
  }
}

function lastVerified(facts: Facts): ScorecardAnswer {
  const base = { id: 'last_verified', question: 'When was it last verified?' } as const;
  const cleanRuns = (target: EvidenceTarget) =>
    facts.suites
      .filter((s) => s.target.kind === target && facts.clean(s))
      .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  const parts: string[] = [];
  const evidence: EvidenceRef[] = [];
  for (const target of ['live', 'sandbox', 'recording', 'in_process'] as const) {
    const runs = cleanRuns(target);
    if (runs.length > 0) {
      const list = runs.map((run) => `${run.suite} ${run.finishedAt.slice(0, 10)}`);
      parts.push(`${TARGET_PHRASE[target]}: ${list.join(', ')}`);
      evidence.push(...runs.map(suiteRef));
    } else if (target === 'live') parts.push('never against the live API');
  }
  const failed = facts.suites.filter((s) => s.totals.failed > 0);
  for (const suite of failed) {
    parts.push(`the latest ${suite.suite} run failed ${suite.totals.failed} test(s)`);
    evidence.push(suiteRef(suite));
  }
  const live = cleanRuns('live')[0];
  const anyClean = facts.suites.some((s) => facts.clean(s));
  const status: AnswerStatus = !anyClean
    ? 'no'
    : live && facts.fresh(live) && failed.length === 0
      ? 'yes'
      : 'partial';
  const answer = anyClean
    ? `${parts.join('; ')}.`
    : facts.suites.length === 0
      ? 'Never: no suite has recorded evidence for it.'
      : `Never successfully: ${parts.join('; ')}.`;
  return { ...base, status, answer: capitalise(answer), evidence };
}

function authRenewal(connector: ConnectorDefinition, facts: Facts): ScorecardAnswer {
  const base = { id: 'auth_renewal', question: 'Does it renew auth?' } as const;
  const types = authTypesOf(connector);
  const declared: EvidenceRef = { source: 'declared', detail: `auth: ${types.join(', ')}` };
  if (!usesOAuth(connector)) {
    return {
      ...base,
      status: 'not_applicable',
      answer: `Nothing to renew: its credentials (${types.join(', ')}) carry no expiry Joinery could renew. A credential the provider rejects ends as auth_revoked, and the connection is marked needs_reauth.`,
      evidence: [declared],
    };
  }
  const how: string[] = [];
  if (types.includes('oauth2'))
    how.push(
      'OAuth authorization-code tokens are renewed with the refresh token (when the provider issues one) ahead of their expiry, single-flight across processes',
    );
  if (types.includes('oauth2_client_credentials'))
    how.push('client-credentials tokens are fetched again before they expire');
  if (connector.oauth?.refreshOn401 !== false) how.push('a 401 triggers one renewal and a retry');
  const expiredCodes = (connector.errors?.rules ?? [])
    .filter((rule) => rule.code === 'auth_expired')
    .flatMap((rule) => rule.codes ?? rule.equals ?? []);
  if (expiredCodes.length > 0)
    how.push(`the provider's ${expiredCodes.join(', ')} answers count as an expired token`);
  const proof = facts.proving(['auth_renewal']);
  const failing = facts.failing(['auth_renewal']);
  const status: AnswerStatus = proof.length > 0 && failing.length === 0 ? 'yes' : 'partial';
  const verdict =
    failing.length > 0
      ? `A renewal test failed in its latest run (${failing.map((s) => s.suite).join(', ')}).`
      : proof.length > 0
        ? 'Proven by a passing renewal test.'
        : `Declared, but no passing test from the last ${facts.freshDays} days proves renewal.`;
  return {
    ...base,
    status,
    answer: `${capitalise(how.join('; '))}. ${verdict} Renewal failing for good (invalid_grant) ends in needs_reauth with a reconnect link.`,
    evidence: [
      declared,
      ...(connector.oauth?.refreshOn401 === false
        ? [{ source: 'declared' as const, detail: 'oauth.refreshOn401: false' }]
        : []),
      ...provingRefs(proof),
      ...failing.map(suiteRef),
    ],
  };
}

function errorHandling(connector: ConnectorDefinition, facts: Facts): ScorecardAnswer {
  const base = { id: 'errors', question: 'What does it do on errors?' } as const;
  const dialect = connector.errors;
  const rules = dialect?.rules ?? [];
  const parts: string[] = [];
  const evidence: EvidenceRef[] = [];
  const field = dialect?.codePath ? ` (body field ${dialect.codePath})` : '';
  if (dialect && (rules.length > 0 || dialect.okField || dialect.codePath)) {
    const codes = [...new Set(rules.map((rule) => rule.code))];
    parts.push(
      rules.length > 0
        ? `Its error dialect maps the provider's error codes${field} to Joinery's codes with ${plural(rules.length, 'rule')} (${codes.join(', ')}); anything else is classified by HTTP status`
        : `By HTTP status, keeping the provider's error code${field} in the details: it declares no rules, so no provider code changes the classification`,
    );
    if (dialect.okField) parts.push(`a 2xx with ${dialect.okField}: false is an error, never data`);
    evidence.push({
      source: 'declared',
      detail: `errors: ${rules.length > 0 ? plural(rules.length, 'rule') : 'no rules'}${dialect.codePath ? `, codePath ${dialect.codePath}` : ''}${dialect.okField ? `, okField ${dialect.okField}` : ''}`,
    });
  } else {
    parts.push(
      'By HTTP status only: it declares no error dialect, so provider error codes inside bodies are not told apart (a provider\'s "rate limit" 403 is a refusal, not rate_limited)',
    );
  }
  parts.push(
    'every failure reaches the caller as one error code with retryable and the provider status and message; none is dropped',
  );
  const proof = facts.proving(['errors', 'faults']);
  const failing = facts.failing(['errors', 'faults']);
  evidence.push(...provingRefs(proof), ...failing.map(suiteRef));
  const status: AnswerStatus =
    failing.length > 0
      ? 'partial'
      : proof.length > 0 && rules.length > 0
        ? 'yes'
        : proof.length > 0 || rules.length > 0
          ? 'partial'
          : 'no';
  const verdict =
    failing.length > 0
      ? `An error-handling test failed in its latest run (${failing.map((s) => s.suite).join(', ')}).`
      : proof.length > 0
        ? `Proven by ${plural(
            proof.reduce((n, e) => n + e.tests.length, 0),
            'passing test',
          )}.`
        : `No passing test from the last ${facts.freshDays} days proves it.`;
  return { ...base, status, answer: `${parts.join('; ')}. ${verdict}`, evidence };
}

function rateLimits(connector: ConnectorDefinition, facts: Facts): ScorecardAnswer {
  const base = { id: 'rate_limits', question: 'Does it respect rate limits?' } as const;
  const policy = connector.rateLimit;
  const parts: string[] = [];
  const evidence: EvidenceRef[] = [];
  const limits = policy?.limits ?? [];
  if (limits.length > 0) {
    parts.push(
      `Waits for capacity before sending under ${plural(limits.length, 'declared limit')} (${limits.map((l) => `${l.name} ${l.requests}/${l.perSeconds}s per ${l.scope ?? 'connection'}`).join(', ')})`,
    );
    evidence.push({
      source: 'declared',
      detail: `rateLimit.limits: ${limits.map((l) => l.name).join(', ')}`,
    });
  }
  const headers = Object.values(policy?.headers ?? {}).filter((h) => h !== undefined);
  if (headers.length > 0) {
    parts.push(`learns from the ${headers.join(', ')} header${headers.length === 1 ? '' : 's'}`);
    evidence.push({ source: 'declared', detail: `rateLimit.headers: ${headers.join(', ')}` });
  }
  if (policy?.quota) {
    parts.push(`tracks the ${policy.quota.name} quota from ${policy.quota.header}`);
    evidence.push({ source: 'declared', detail: `rateLimit.quota: ${policy.quota.header}` });
  }
  const final = (connector.errors?.rules ?? []).filter(
    (rule) => rule.code === 'rate_limited' && rule.retryable === false,
  );
  if (final.length > 0)
    parts.push(
      `treats ${final.flatMap((r) => r.codes ?? r.equals ?? []).join(', ')} as limits no retry will cure`,
    );
  const declared = parts.length > 0;
  const maxWait = defaultRetryOptions.maxRetryAfterMs / 1000;
  parts.push(
    `${declared ? 'honours' : 'Nothing is declared; Joinery honours'} Retry-After (seconds or a date) up to ${maxWait} s, and answers rate_limited with retryAfterMs rather than wait longer`,
  );
  evidence.push({
    source: 'joinery',
    detail: `retry policy: Retry-After honoured up to ${maxWait} s (maxRetryAfterMs)`,
  });
  const proof = facts.proving(['rate_limits']);
  const failing = facts.failing(['rate_limits']);
  evidence.push(...provingRefs(proof), ...failing.map(suiteRef));
  const status: AnswerStatus =
    failing.length === 0 && proof.length > 0 && declared
      ? 'yes'
      : declared || proof.length > 0
        ? 'partial'
        : 'no';
  const verdict =
    failing.length > 0
      ? `A rate-limit test failed in its latest run (${failing.map((s) => s.suite).join(', ')}).`
      : proof.length > 0
        ? `Proven by ${plural(
            proof.reduce((n, e) => n + e.tests.length, 0),
            'passing test',
          )}.`
        : `No passing test from the last ${facts.freshDays} days proves it.`;
  return { ...base, status, answer: `${capitalise(parts.join('; '))}. ${verdict}`, evidence };
}

function monitoring(connector: ConnectorDefinition): ScorecardAnswer {
  const base = { id: 'monitoring', question: 'Is it monitored?' } as const;
  // Read defensively: a connector file written against an older kit may not have the field.
  const check = (connector as { healthCheck?: { method?: unknown; path?: unknown } }).healthCheck;
  if (check && typeof check.method === 'string' && typeof check.path === 'string') {
    return {
      ...base,
      status: 'yes',
      answer: `Yes: it declares a health check (${check.method} ${check.path}), which Joinery runs for its connections, so a broken connection shows before a call needs it.`,
      evidence: [{ source: 'declared', detail: `healthCheck: ${check.method} ${check.path}` }],
    };
  }
  return {
    ...base,
    status: 'no',
    answer:
      'No: it declares no health check, so Joinery learns that a connection broke only when a call to it fails.',
    evidence: [{ source: 'declared', detail: 'no healthCheck' }],
  };
}

function fallback(connector: ConnectorDefinition, facts: Facts): ScorecardAnswer {
  const base = { id: 'fallback', question: 'What is the fallback when it is down?' } as const;
  const r = defaultRetryOptions;
  const retried = connector.idempotencyHeader
    ? `idempotent requests, and writes carrying an ${connector.idempotencyHeader},`
    : `idempotent requests (${[...IDEMPOTENT_METHODS].join(', ')}; other writes are never retried)`;
  const proof = facts.proving(['faults']);
  const failing = facts.failing(['faults']);
  const verdict =
    failing.length > 0
      ? ` A fault test failed in its latest run (${failing.map((s) => s.suite).join(', ')}).`
      : proof.length > 0
        ? ` Its fault tests pass (${plural(
            proof.reduce((n, e) => n + e.tests.length, 0),
            'test',
          )}).`
        : ' No fault test of its own has recorded evidence.';
  return {
    ...base,
    status: proof.length > 0 && failing.length === 0 ? 'yes' : 'partial',
    answer:
      `Joinery retries ${retried} on 5xx, timeouts and network errors, up to ${r.maxAttempts} attempts with exponential backoff and jitter (${r.baseDelayMs} ms to ${r.maxDelayMs / 1000} s) within a retry budget; ` +
      "after repeated failures the integration's circuit opens and calls fail fast with provider_unavailable and retryAfterMs, then a probe closes it again. " +
      'A direct call is not queued: once its retries are spent the caller gets provider_unavailable, timeout or network (retryable) and decides. ' +
      'An action called with async: true runs as a queued run instead: a retryable failure is tried again later with backoff (a call refused by the open circuit costs no attempt, so queued work drains once the provider recovers), and a run that exhausts its attempts or its maximum age is kept as a dead letter to inspect and replay.' +
      verdict,
    evidence: [
      {
        source: 'joinery',
        detail: `retry policy: ${r.maxAttempts} attempts, backoff ${r.baseDelayMs} ms to ${r.maxDelayMs} ms; circuit breaker per integration`,
      },
      ...(connector.idempotencyHeader
        ? [
            {
              source: 'declared' as const,
              detail: `idempotencyHeader: ${connector.idempotencyHeader}`,
            },
          ]
        : []),
      ...provingRefs(proof),
      ...failing.map(suiteRef),
    ],
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
