import { describe, expect, it } from 'vitest';
import { defineConnector } from '../connector/define.js';
import type { ConnectorDefinition } from '../connector/types.js';
import { readConnectorEvidence } from './evidence-files.js';
import { parseSuiteEvidence, serializeEvidence, type SuiteEvidence } from './evidence.js';
import { computeScorecard, type Scorecard } from './scorecard.js';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const now = new Date('2026-11-21T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

const oauthConnector: ConnectorDefinition = defineConnector({
  id: 'acme',
  name: 'Acme',
  description: 'Acme CRM',
  docsUrl: 'https://acme.example/docs',
  baseUrl: 'https://api.acme.example',
  auth: [{ type: 'oauth2' }, { type: 'bearer' }],
  oauth: {
    authorizationUrl: 'https://acme.example/oauth/authorize',
    tokenUrl: 'https://acme.example/oauth/token',
  },
  healthCheck: { method: 'GET', path: '/me' },
  rateLimit: {
    headers: { remaining: 'x-remaining', retryAfter: 'retry-after' },
    limits: [{ name: 'per_second', requests: 10, perSeconds: 1 }],
  },
  errors: {
    codePath: 'error.code',
    rules: [
      { codes: ['TOKEN_EXPIRED'], code: 'auth_expired' },
      { codes: ['DAILY_LIMIT'], code: 'rate_limited', retryable: false },
    ],
  },
  actions: [],
});

const bearerConnector: ConnectorDefinition = {
  ...oauthConnector,
  id: 'plain',
  auth: [{ type: 'bearer' }],
};
delete (bearerConnector as { oauth?: unknown }).oauth;

function suite(overrides: Partial<SuiteEvidence> & Pick<SuiteEvidence, 'tests'>): SuiteEvidence {
  const tests = overrides.tests;
  return parseSuiteEvidence(
    {
      format: 1,
      connector: 'acme',
      suite: 'acme.contract',
      kind: 'contract',
      file: 'packages/connectors/src/acme/acme.contract.int.test.ts',
      target: { kind: 'sandbox', host: '127.0.0.1' },
      finishedAt: daysAgo(1),
      joinery: { version: '0.1.0', commit: null, dirty: null },
      ...overrides,
      totals: {
        passed: tests.filter((t) => t.state === 'passed').length,
        failed: tests.filter((t) => t.state === 'failed').length,
        skipped: tests.filter((t) => t.state === 'skipped').length,
      },
    },
    'test',
  );
}

const contract = (state: 'passed' | 'failed' = 'passed', finishedAt = daysAgo(1)) =>
  suite({
    finishedAt,
    tests: [
      { name: 'creates a contact', state: 'passed', facets: [] },
      { name: 'answers a missing record with not_found', state, facets: ['errors'] },
      { name: 'retries a 429', state: 'passed', facets: ['faults', 'rate_limits'] },
    ],
  });
const renewal = (finishedAt = daysAgo(2)) =>
  suite({
    suite: 'sandbox-oauth',
    kind: 'auth',
    finishedAt,
    tests: [{ name: 'renews the expired token', state: 'passed', facets: ['auth_renewal'] }],
  });

const card = (
  evidence: SuiteEvidence[],
  connector = oauthConnector,
  origin: Parameters<typeof computeScorecard>[1] = { kind: 'shipped' },
): Scorecard => computeScorecard(connector, origin, { evidence, problems: [] }, { now });
const answer = (scorecard: Scorecard, id: string) => {
  const found = scorecard.answers.find((a) => a.id === id);
  if (!found) throw new Error(`no answer ${id}`);
  return found;
};

describe('trust level', () => {
  it('is theoretical without evidence, and says it is untested', () => {
    const scorecard = card([], oauthConnector, {
      kind: 'scaffolded',
      file: '/connectors/acme.ts',
    });
    expect(scorecard.trustLevel).toBe('theoretical');
    expect(scorecard.levelReasons.join(' ')).toMatch(/untested/);
    expect(answer(scorecard, 'maintainer')).toMatchObject({ status: 'no' });
    expect(answer(scorecard, 'maintainer').answer).toMatch(/scaffolded by Joinery's builder/);
    expect(answer(scorecard, 'last_verified')).toMatchObject({ status: 'no' });
  });

  it('is theoretical when every recorded test failed or was skipped', () => {
    const failed = suite({
      tests: [
        { name: 'a', state: 'failed', facets: [] },
        { name: 'b', state: 'skipped', facets: ['errors'] },
      ],
    });
    expect(card([failed]).trustLevel).toBe('theoretical');
  });

  it('is native with a fresh clean contract, error proof and proven renewal', () => {
    const scorecard = card([contract(), renewal()]);
    expect(scorecard.trustLevel).toBe('native');
    expect(scorecard.levelReasons.join('\n')).toMatch(/contract: acme.contract/);
    expect(scorecard.answers.map((a) => a.id)).toEqual([
      'maintainer',
      'last_verified',
      'auth_renewal',
      'errors',
      'rate_limits',
      'monitoring',
      'fallback',
    ]);
    expect(answer(scorecard, 'auth_renewal').status).toBe('yes');
    expect(answer(scorecard, 'errors').status).toBe('yes');
    expect(answer(scorecard, 'rate_limits').status).toBe('yes');
    expect(answer(scorecard, 'monitoring').status).toBe('yes');
    expect(answer(scorecard, 'fallback').status).toBe('yes');
  });

  it('is demoted to supported by one failing test, named in the reasons', () => {
    const scorecard = card([contract('failed'), renewal()]);
    expect(scorecard.trustLevel).toBe('supported');
    expect(scorecard.levelReasons.join('\n')).toMatch(
      /acme.contract .* 1 failing test: "answers a missing record with not_found"/,
    );
    expect(answer(scorecard, 'errors').status).toBe('partial');
    expect(answer(scorecard, 'last_verified').answer).toMatch(/failed 1 test/);
  });

  it('is demoted to supported when the evidence is older than the window', () => {
    const scorecard = card([contract('passed', daysAgo(45)), renewal(daysAgo(45))]);
    expect(scorecard.trustLevel).toBe('supported');
    expect(scorecard.levelReasons.join('\n')).toMatch(/last passed more than 30 days ago/);
    expect(answer(scorecard, 'auth_renewal').status).toBe('partial');
    expect(
      computeScorecard(
        oauthConnector,
        { kind: 'shipped' },
        { evidence: [contract('passed', daysAgo(45)), renewal(daysAgo(45))], problems: [] },
        { now, freshDays: 60 },
      ).trustLevel,
    ).toBe('native');
  });

  it('needs proven renewal only where the connector accepts OAuth', () => {
    const oauth = card([contract()]);
    expect(oauth.trustLevel).toBe('supported');
    expect(oauth.levelReasons.join('\n')).toMatch(/proves token renewal/);
    expect(answer(oauth, 'auth_renewal').status).toBe('partial');
    const bearer = card([{ ...contract(), connector: 'plain' }], bearerConnector);
    expect(bearer.trustLevel).toBe('native');
    expect(answer(bearer, 'auth_renewal').status).toBe('not_applicable');
  });

  it('is supported without a contract suite, whatever else passed', () => {
    const replay = suite({
      suite: 'acme.replay',
      kind: 'replay',
      target: { kind: 'recording', host: '127.0.0.1' },
      tests: [{ name: 'reads a record', state: 'passed', facets: ['errors'] }],
    });
    const scorecard = card([replay, renewal()]);
    expect(scorecard.trustLevel).toBe('supported');
    expect(scorecard.levelReasons).toEqual([
      'no contract suite has run against a sandbox or the live API',
    ]);
  });

  it('does not count skipped tests as proof', () => {
    const skipped = suite({
      tests: [
        { name: 'creates a contact', state: 'passed', facets: [] },
        { name: 'retries a 429', state: 'skipped', facets: ['faults', 'rate_limits'] },
      ],
    });
    const scorecard = card([skipped, renewal()]);
    expect(scorecard.trustLevel).toBe('supported');
    expect(answer(scorecard, 'errors').status).toBe('partial');
    expect(answer(scorecard, 'fallback').status).toBe('partial');
  });
});

describe('answers', () => {
  it('says "never against the live API" until a live run passes, then dates it', () => {
    const sandboxOnly = answer(card([contract()]), 'last_verified');
    expect(sandboxOnly.status).toBe('partial');
    expect(sandboxOnly.answer).toMatch(/^Never against the live API; against a sandbox/);
    const live = suite({
      target: { kind: 'live', host: 'api.acme.example' },
      finishedAt: daysAgo(3),
      tests: [{ name: 'creates a contact', state: 'passed', facets: [] }],
    });
    const withLive = answer(card([contract(), live]), 'last_verified');
    expect(withLive.status).toBe('yes');
    expect(withLive.answer).toContain(
      `Against the live API: acme.contract ${daysAgo(3).slice(0, 10)}`,
    );
  });

  it('reads declared data: dialect rules, limits, quota-like rules, health check', () => {
    const scorecard = card([]);
    expect(answer(scorecard, 'errors').answer).toMatch(/2 rules \(auth_expired, rate_limited\)/);
    expect(answer(scorecard, 'rate_limits').answer).toMatch(/per_second 10\/1s per connection/);
    expect(answer(scorecard, 'rate_limits').answer).toMatch(/DAILY_LIMIT as limits no retry/);
    expect(answer(scorecard, 'auth_renewal').answer).toMatch(/TOKEN_EXPIRED/);
    expect(answer(scorecard, 'monitoring').evidence).toEqual([
      { source: 'declared', detail: 'healthCheck: GET /me' },
    ]);
    const bare = card([], {
      ...bearerConnector,
      errors: undefined,
      rateLimit: undefined,
      healthCheck: undefined,
    } as unknown as ConnectorDefinition);
    expect(answer(bare, 'errors')).toMatchObject({ status: 'no' });
    expect(answer(bare, 'errors').answer).toMatch(/^By HTTP status only/);
    expect(answer(bare, 'rate_limits')).toMatchObject({ status: 'no' });
    expect(answer(bare, 'monitoring')).toMatchObject({ status: 'no' });
    expect(answer(bare, 'fallback').answer).toMatch(/A direct call is not queued/);
    // Passing error tests without a dialect: proven, but provider codes are still not told apart.
    const statusOnly = card([{ ...contract(), connector: 'plain' }], {
      ...bearerConnector,
      errors: undefined,
    } as unknown as ConnectorDefinition);
    expect(answer(statusOnly, 'errors').status).toBe('partial');
  });
});

describe('evidence files', () => {
  it('serialise with sorted keys, so the same results give the same bytes', () => {
    const a = contract();
    const shuffled = Object.fromEntries(Object.entries(a).reverse()) as SuiteEvidence;
    expect(serializeEvidence(shuffled)).toBe(serializeEvidence(a));
    expect(serializeEvidence(a).indexOf('"connector"')).toBeLessThan(
      serializeEvidence(a).indexOf('"file"'),
    );
  });

  it('are read per connector; a broken file is reported, not counted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'joinery-evidence-'));
    try {
      await mkdir(join(dir, 'acme'));
      await writeFile(
        join(dir, 'acme', 'acme.contract.sandbox.json'),
        serializeEvidence(contract()),
      );
      await writeFile(join(dir, 'acme', 'hand-written.json'), '{"format":1,"connector":"acme"}');
      const read = await readConnectorEvidence(dir, 'acme');
      expect(read.evidence).toHaveLength(1);
      expect(read.problems).toHaveLength(1);
      expect(read.problems[0]).toMatch(/hand-written.json: suite: .*run the suite again/);
      expect(await readConnectorEvidence(dir, 'nobody')).toEqual({ evidence: [], problems: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('show a rewritten file at once, and say when files were left unread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'joinery-evidence-'));
    const file = join(dir, 'acme', 'acme.contract.sandbox.json');
    try {
      await mkdir(join(dir, 'acme'));
      await writeFile(file, serializeEvidence(contract()));
      const first = await readConnectorEvidence(dir, 'acme');
      expect(first.evidence[0]?.totals.failed).toBe(0);
      // Rewritten with other results (and another size): read again, not served from memory.
      const failing = contract();
      failing.totals = { ...failing.totals, failed: 12 };
      await writeFile(file, serializeEvidence(failing));
      expect((await readConnectorEvidence(dir, 'acme')).evidence[0]?.totals.failed).toBe(12);
      await writeFile(file, 'not json');
      expect((await readConnectorEvidence(dir, 'acme')).problems).toHaveLength(1);

      await writeFile(file, serializeEvidence(contract()));
      for (let n = 0; n < 100; n++)
        await writeFile(join(dir, 'acme', `zz-${String(n).padStart(3, '0')}.json`), '{}');
      const crowded = await readConnectorEvidence(dir, 'acme');
      expect(crowded.problems[0]).toMatch(/holds 101 evidence files; only the first 100/);
      // The first 100 by name: the real file and 99 broken ones, each reported.
      expect(crowded.evidence).toHaveLength(1);
      expect(crowded.problems).toHaveLength(100);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
