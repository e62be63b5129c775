import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';

const serve = scriptedJoinery();

const QUESTIONS = [
  ['maintainer', 'Who maintains it?', 'yes'],
  ['last_verified', 'When was it last verified?', 'partial'],
  ['auth_renewal', 'Does it renew auth?', 'not_applicable'],
  ['errors', 'What does it do on errors?', 'yes'],
  ['rate_limits', 'Does it respect rate limits?', 'partial'],
  ['monitoring', 'Is it monitored?', 'no'],
  ['fallback', 'What is the fallback when it is down?', 'partial'],
] as const;

const scorecard = (connector: string, trustLevel: string, levelReasons: string[]) => ({
  connector,
  name: connector.toUpperCase(),
  trustLevel,
  levelReasons,
  answers: QUESTIONS.map(([id, question, status]) => ({
    id,
    question,
    status,
    answer: `${question} answered for ${connector}, at some length so that the line has to wrap somewhere before it reaches the end of the terminal.`,
    evidence: [{ source: 'suite', detail: `${connector}.contract: 4 passed` }],
  })),
  evidenceProblems: [],
  freshDays: 30,
  computedAt: '2026-11-21T10:00:00.000Z',
});

describe('joinery scorecard', () => {
  it('prints one row per connector with its level and the status of each question, then why', async () => {
    const { server, env } = await serve(() => ({
      json: {
        data: [
          scorecard('slack', 'native', ['contract: slack.contract passed']),
          scorecard('stripe', 'supported', ['no contract suite has run']),
        ],
      },
    }));
    const { code, stdout } = await cli(['scorecard'], { env });
    expect(code).toBe(0);
    expect(server.requests[0]?.path).toBe('/v1/scorecards');
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^CONNECTOR\s+LEVEL\s+MAINTAINED\s+VERIFIED\s+AUTH\s+ERRORS\s+LIMITS\s+MONITORED\s+FALLBACK$/,
    );
    expect(lines[1]).toMatch(
      /^slack\s+native\s+yes\s+partial\s+n\/a\s+yes\s+partial\s+no\s+partial$/,
    );
    expect(lines[2]).toMatch(/^stripe\s+supported\s+yes/);
    expect(stdout).toContain('stripe is supported because:\n  - no contract suite has run\n');
    expect(stdout).toContain('slack is native:\n  - contract: slack.contract passed\n');
  });

  it('shows one connector: its level, each question with its answer, status and evidence', async () => {
    const { server, env } = await serve(() => ({
      json: scorecard('slack', 'native', ['contract: slack.contract passed']),
    }));
    const { code, stdout } = await cli(['scorecard', 'slack'], { env });
    expect(code).toBe(0);
    expect(server.requests[0]?.path).toBe('/v1/connectors/slack/scorecard');
    expect(stdout.split('\n')[0]).toBe('slack - SLACK: native');
    expect(stdout).toContain('Does it renew auth? [n/a]\n  Does it renew auth? answered for slack');
    expect(stdout).toContain('    suite: slack.contract: 4 passed');
    expect(stdout.split('\n').every((line) => line.length <= 100)).toBe(true);
  });

  it('prints JSON with --json', async () => {
    const card = scorecard('slack', 'native', []);
    const { env } = await serve(() => ({ json: card }));
    const { stdout } = await cli(['scorecard', 'slack', '--json'], { env });
    expect(JSON.parse(stdout)).toEqual(card);
  });

  it('answers not_found for an unknown connector with exit 1', async () => {
    const { env } = await serve(() => ({
      status: 404,
      json: { error: { code: 'not_found', message: 'no connector "gitlab"', retryable: false } },
    }));
    const { code, stderr } = await cli(['scorecard', 'gitlab'], { env });
    expect(code).toBe(1);
    expect(stderr).toContain('no connector "gitlab"');
  });
});
