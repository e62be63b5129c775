import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInConnectors } from '@joinery/connectors';
import { TRUST_LEVELS, parseSuiteEvidence, serializeEvidence } from '@joinery/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestJoinery, type TestJoinery } from '../test-harness.js';

const connectorFile = (id: string, firstLine: string) =>
  [
    firstLine,
    'export default {',
    `  id: '${id}',`,
    `  name: '${id}',`,
    "  description: 'A connector from a file',",
    "  docsUrl: 'https://example.com/docs',",
    "  baseUrl: 'https://api.example.com',",
    "  auth: [{ type: 'bearer' }],",
    "  errors: { codePath: 'code', rules: [{ codes: ['GONE'], code: 'not_found' }] },",
    '  actions: [],',
    '};',
    '',
  ].join('\n');

describe('connector scorecards over the API', () => {
  let joinery: TestJoinery;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'joinery-scorecard-'));
    await writeFile(
      join(dir, 'drafted.mjs'),
      connectorFile('drafted', '// Scaffolded by Joinery (scaffold_connector) from "Drafted" 1.0.'),
    );
    await writeFile(join(dir, 'owned.mjs'), connectorFile('owned', '// Our own connector.'));
    // The owned connector's suite wrote its evidence beside it, as Joinery's own suites do.
    await mkdir(join(dir, 'evidence', 'owned'), { recursive: true });
    const evidence = parseSuiteEvidence(
      {
        format: 1,
        connector: 'owned',
        suite: 'owned.contract',
        kind: 'contract',
        file: 'test/owned.contract.test.ts',
        target: { kind: 'sandbox', host: '127.0.0.1' },
        totals: { passed: 2, failed: 0, skipped: 0 },
        tests: [
          { name: 'reads a record', state: 'passed', facets: [] },
          { name: 'answers GONE with not_found', state: 'passed', facets: ['errors'] },
        ],
        finishedAt: new Date().toISOString(),
        joinery: { version: '0.1.0', commit: null, dirty: null },
      },
      'test',
    );
    await writeFile(
      join(dir, 'evidence', 'owned', 'owned.contract.sandbox.json'),
      serializeEvidence(evidence),
    );
    // A file that is not evidence is reported on the scorecard, not counted.
    await writeFile(join(dir, 'evidence', 'owned', 'notes.json'), '{"passed": "all of them"}');
    joinery = await startTestJoinery('pglite', {}, { JOINERY_CONNECTORS_DIR: dir });
  });
  afterAll(async () => {
    await joinery?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('calls a scaffolded connector without evidence theoretical, and says who maintains it', async () => {
    const { status, body } = await joinery.api('GET', '/v1/connectors/drafted/scorecard');
    expect(status).toBe(200);
    expect(body).toMatchObject({ connector: 'drafted', trustLevel: 'theoretical', freshDays: 30 });
    expect(body.answers).toHaveLength(7);
    expect(body.answers[0]).toMatchObject({ id: 'maintainer', status: 'no' });
    expect(body.answers[0].answer).toContain(join(dir, 'drafted.mjs'));
    expect(body.answers[1]).toMatchObject({ id: 'last_verified', status: 'no' });
  });

  it("reads a connectors-dir connector's own evidence, and reports a broken file", async () => {
    const { status, body } = await joinery.api('GET', '/v1/connectors/owned/scorecard');
    expect(status).toBe(200);
    expect(body.trustLevel).toBe('native');
    expect(body.answers[0]).toMatchObject({ id: 'maintainer', status: 'partial' });
    expect(body.answers[1].answer).toMatch(/^Never against the live API; against a sandbox/);
    expect(body.answers[2]).toMatchObject({ id: 'auth_renewal', status: 'not_applicable' });
    expect(body.evidenceProblems).toHaveLength(1);
    expect(body.evidenceProblems[0]).toContain('notes.json');
  });

  it("reads the shipped connectors' committed evidence", async () => {
    const { status, body } = await joinery.api('GET', '/v1/connectors/slack/scorecard');
    expect(status).toBe(200);
    expect(TRUST_LEVELS).toContain(body.trustLevel);
    expect(body.answers[0]).toMatchObject({ id: 'maintainer', status: 'yes' });
    expect(body.answers[5]).toMatchObject({ id: 'monitoring', status: 'yes' });
    expect(body.evidenceProblems).toEqual([]);
  });

  it('lists every scorecard, and the trust level in the connector list', async () => {
    const all = await joinery.api('GET', '/v1/scorecards');
    expect(all.status).toBe(200);
    const ids = [...builtInConnectors.map((c) => c.id), 'drafted', 'owned'];
    expect(all.body.data.map((card: { connector: string }) => card.connector).sort()).toEqual(
      ids.sort(),
    );
    const list = await joinery.api('GET', '/v1/connectors');
    const levels = Object.fromEntries(
      list.body.data.map((c: { id: string; trustLevel: string }) => [c.id, c.trustLevel]),
    );
    expect(levels).toMatchObject({ drafted: 'theoretical', owned: 'native' });
    for (const card of all.body.data as { connector: string; trustLevel: string }[])
      expect(levels[card.connector]).toBe(card.trustLevel);
  });

  it('answers not_found for an unknown connector and 401 without the key', async () => {
    const missing = await joinery.api('GET', '/v1/connectors/nope/scorecard');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const anonymous = await fetch(`${joinery.url}/v1/connectors/slack/scorecard`);
    expect(anonymous.status).toBe(401);
  });
});
