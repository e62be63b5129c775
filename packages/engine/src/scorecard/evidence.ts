import { z } from 'zod';

/**
 * Evidence: what a connector's test suites proved the last time they ran, written by the suites
 * themselves (never by hand) as one file per connector, suite and target. Scorecards and trust
 * levels are computed from it and from the connector's declared data.
 */

/** What kind of suite produced the evidence. */
export const EVIDENCE_KINDS = [
  /** The connector's actions against a provider (its sandbox, or the live API). */
  'contract',
  /** The connector's actions against recorded real traffic. */
  'replay',
  /** The connector's error dialect, classified from the provider's documented bodies, in process. */
  'dialect',
  /** OAuth against a provider's (or a certified peer's) authorization server: connect, expire, renew. */
  'auth',
  /** Inbound webhooks signed by the provider's own SDK or signer, verified by Joinery. */
  'webhook',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** Where the suite's requests went. */
export const EVIDENCE_TARGETS = [
  /** A simulator on loopback: Joinery's sandbox providers or a test peer such as oidc-provider. */
  'sandbox',
  /** The provider's real API, with credentials from the environment. */
  'live',
  /** Recorded real traffic served on loopback. */
  'recording',
  /**
   * No provider server: pure functions over the provider's documented bodies, or deliveries
   * signed in the test by the provider's own SDK and sent to Joinery.
   */
  'in_process',
] as const;
export type EvidenceTarget = (typeof EVIDENCE_TARGETS)[number];

/**
 * What a passing test proves beyond "the action works". Every test of a `dialect` suite proves
 * `errors`; other tests say what they prove with `meta.proves`.
 */
export const EVIDENCE_FACETS = [
  /** The provider's errors become the right taxonomy codes. */
  'errors',
  /** Injected faults (5xx, 429 bursts, revoked tokens, resets) are survived or reported as they should be. */
  'faults',
  /** Limits: Retry-After honoured, non-retryable quotas not retried, quota headers tracked. */
  'rate_limits',
  /** An expired OAuth token is renewed without the caller noticing. */
  'auth_renewal',
] as const;
export type EvidenceFacet = (typeof EVIDENCE_FACETS)[number];

export const TEST_STATES = ['passed', 'failed', 'skipped'] as const;
export type TestState = (typeof TEST_STATES)[number];

export const EVIDENCE_FORMAT_VERSION = 1;

const suiteEvidenceSchema = z.strictObject({
  format: z.literal(EVIDENCE_FORMAT_VERSION),
  connector: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** Stable name of the suite, e.g. `slack.contract`. */
  suite: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  kind: z.enum(EVIDENCE_KINDS),
  /** The test file, relative to the repository root. */
  file: z.string().min(1),
  target: z.strictObject({
    kind: z.enum(EVIDENCE_TARGETS),
    /** The host the requests went to (never a credential, never a port that changes per run). */
    host: z.string().min(1).optional(),
  }),
  totals: z.strictObject({
    passed: z.number().int().min(0),
    failed: z.number().int().min(0),
    skipped: z.number().int().min(0),
  }),
  tests: z.array(
    z.strictObject({
      name: z.string().min(1),
      state: z.enum(TEST_STATES),
      facets: z.array(z.enum(EVIDENCE_FACETS)),
    }),
  ),
  finishedAt: z.iso.datetime(),
  joinery: z.strictObject({
    version: z.string().min(1),
    /** The commit checked out when the suite ran; null outside a git checkout. */
    commit: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .nullable(),
    /**
     * True when the working tree had uncommitted changes (outside the evidence files): the code
     * run was not exactly `commit`. Null outside a git checkout.
     */
    dirty: z.boolean().nullable(),
  }),
});

export type SuiteEvidence = z.infer<typeof suiteEvidenceSchema>;

/** Reads one evidence file's JSON; the error names the field that is wrong. */
export function parseSuiteEvidence(value: unknown, source: string): SuiteEvidence {
  const parsed = suiteEvidenceSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  throw new EvidenceFileError(
    source,
    `${issue.path.join('.') || '(root)'}: ${issue.message}. Evidence files are written by the test suites; run the suite again rather than editing the file.`,
  );
}

/** An evidence file that cannot be read. */
export class EvidenceFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
    this.name = 'EvidenceFileError';
  }
}

/** The file name of one suite's evidence for one target: `<suite>.<target>.json`. */
export function evidenceFileName(evidence: Pick<SuiteEvidence, 'suite' | 'target'>): string {
  return `${evidence.suite}.${evidence.target.kind}.json`;
}

/**
 * JSON with sorted keys and a final newline, so the same results give the same bytes and a
 * rewritten file differs only where the results (or the times) do.
 */
export function serializeEvidence(evidence: SuiteEvidence): string {
  return `${JSON.stringify(sortKeys(evidence), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
