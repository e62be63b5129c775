import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunnerTask } from 'vitest';
import { describe, expect, it } from 'vitest';
import { collect, writeEvidence, type EvidenceOptions } from './evidence.js';

// A finished describe block as vitest hands it to afterAll: only the fields the helper reads.
function block(
  tests: { name: string; state?: string; mode?: string; proves?: string[] }[],
  errors: unknown[] = [],
): RunnerTask {
  const file = { filepath: join(process.cwd(), 'packages/connectors/src/acme/acme.test.ts') };
  return {
    type: 'suite',
    name: 'Acme',
    file,
    result: errors.length ? { state: 'fail', errors } : { state: 'pass' },
    tasks: tests.map((test) => ({
      type: 'test',
      name: test.name,
      mode: test.mode ?? 'run',
      meta: test.proves ? { proves: test.proves } : {},
      ...(test.state ? { result: { state: test.state } } : {}),
    })),
  } as unknown as RunnerTask;
}

const options: EvidenceOptions = {
  connector: 'acme',
  suite: 'acme.contract',
  kind: 'contract',
  target: () => ({ kind: 'sandbox', baseUrl: 'http://127.0.0.1:43123/acme?token=secret' }),
};
const at = new Date('2026-11-21T10:00:00Z');

describe('recordEvidence', () => {
  it('counts every outcome honestly: a failure, a skip and an unfinished test are not passes', () => {
    const [evidence] = collect(
      block([
        { name: 'passes', state: 'pass', proves: ['errors'] },
        { name: 'fails', state: 'fail', proves: ['faults'] },
        { name: 'skipped by skipIf', mode: 'skip' },
        { name: 'never finished', state: 'run' },
        { name: 'todo', mode: 'todo' },
      ]),
      options,
      at,
    );
    expect(evidence?.totals).toEqual({ passed: 1, failed: 2, skipped: 2 });
    expect(evidence?.tests.map((t) => [t.name, t.state, t.facets])).toEqual([
      ['passes', 'passed', ['errors']],
      ['fails', 'failed', ['faults']],
      ['skipped by skipIf', 'skipped', []],
      ['never finished', 'failed', []],
      ['todo', 'skipped', []],
    ]);
  });

  it('keeps the host only: no port, no query, no credential', () => {
    const [evidence] = collect(block([{ name: 'passes', state: 'pass' }]), options, at);
    expect(evidence?.target).toEqual({ kind: 'sandbox', host: '127.0.0.1' });
    expect(JSON.stringify(evidence)).not.toContain('secret');
    expect(evidence?.file).toBe('packages/connectors/src/acme/acme.test.ts');
  });

  it('writes a failed setup as a failure, though vitest marks the tests skipped', () => {
    const [evidence] = collect(
      block([{ name: 'a', state: 'skip' }], [{ message: 'sandbox did not start' }]),
      options,
      at,
    );
    expect(evidence?.totals).toEqual({ passed: 0, failed: 1, skipped: 1 });
    expect(evidence?.tests).toContainEqual({ name: '(suite setup)', state: 'failed', facets: [] });
  });

  it('splits a block covering several connectors, and gives a kind its facets', () => {
    const written = collect(
      block([
        { name: 'Slack: renews', state: 'pass' },
        { name: 'HubSpot: renews', state: 'fail' },
        { name: 'not a provider test', state: 'pass' },
      ]),
      {
        connector: (name) => /^(Slack|HubSpot):/.exec(name)?.[1]?.toLowerCase() ?? null,
        suite: 'dialects',
        kind: 'dialect',
        target: () => ({ kind: 'in_process' }),
      },
      at,
    );
    expect(written.map((e) => [e.connector, e.totals])).toEqual([
      ['slack', { passed: 1, failed: 0, skipped: 0 }],
      ['hubspot', { passed: 0, failed: 1, skipped: 0 }],
    ]);
    expect(written[0]?.tests[0]?.facets).toEqual(['errors']);
    expect(written[0]?.target).toEqual({ kind: 'in_process' });
  });

  it('rewrites the same bytes for the same results, except the time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'joinery-evidence-'));
    try {
      const tests = block([{ name: 'passes', state: 'pass' }]);
      const [first] = collect(tests, options, at);
      const [second] = collect(tests, options, at);
      if (!first || !second) throw new Error('no evidence collected');
      const file = writeEvidence(first, dir);
      expect(file).toBe(join(dir, 'acme', 'acme.contract.sandbox.json'));
      const before = await readFile(file, 'utf8');
      writeEvidence(second, dir);
      expect(await readFile(file, 'utf8')).toBe(before);
      const [later] = collect(tests, options, new Date('2026-11-22T10:00:00Z'));
      if (!later) throw new Error('no evidence collected');
      writeEvidence(later, dir);
      const changed = (await readFile(file, 'utf8'))
        .split('\n')
        .filter((line, index) => line !== before.split('\n')[index]);
      expect(changed).toEqual(['  "finishedAt": "2026-11-22T10:00:00.000Z",']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
