import { startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';
import { connectSandbox } from './sandbox-connections.js';

type Finding = Record<string, unknown> & { kind: string };

/** Findings as a sorted list of canonical strings: the same set whatever the page order. */
const asSet = (findings: readonly Finding[]) =>
  findings.map((finding) => JSON.stringify(finding, Object.keys(finding).sort())).sort();

/**
 * `GET /v1/records/conflicts` against HubSpot's and Salesforce's sandboxes, synced: the findings
 * read page by page from the stored records are exactly those `POST /v1/data/conflicts` computes
 * from live searches of the same contacts, however small the pages.
 */
describe.each(BACKENDS)("conflicts between two connections' synced records (%s)", (backend) => {
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let hubspot: string;
  let salesforce: string;
  const scope = { environmentId: 'env_default' };

  const create = async (connection: string, input: Record<string, unknown>) => {
    const answer = await joinery.api(
      'POST',
      `/v1/connections/${connection}/actions/contacts.create`,
      { input },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  /** Every page of the synced comparison, with how many pages it took. */
  const readAll = async (query: Record<string, string>) => {
    const findings: Finding[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params = new URLSearchParams({ a: hubspot, b: salesforce, ...query });
      if (cursor !== null) params.set('cursor', cursor);
      const answer = await joinery.api('GET', `/v1/records/conflicts?${params.toString()}`);
      expect(answer.status).toBe(200);
      findings.push(...(answer.body.findings as Finding[]));
      cursor = answer.body.nextCursor as string | null;
      pages += 1;
    } while (cursor !== null && pages < 500);
    expect(cursor).toBeNull();
    return { findings, pages };
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ hubspot: {}, salesforce: {} });
    joinery = await startTestJoinery(backend, { syncSchedulerIntervalMs: 3_600_000 });
    hubspot = await connectSandbox(joinery, sandbox, 'hubspot', { rateLimits: [] });
    salesforce = await connectSandbox(joinery, sandbox, 'salesforce', { rateLimits: [] });
    // Beside the seeded contacts (some on one side only, some contradicting): the same person
    // with a key differing in case, a key shared by two records on one side, and
    // records without an email on both sides.
    await create(hubspot, {
      firstName: 'Quinn',
      lastName: 'Zephyrine',
      email: 'Quinn.Zephyrine@Example.com',
    });
    await create(salesforce, {
      firstName: 'Quinn',
      lastName: 'Zephyrine',
      email: 'quinn.zephyrine@example.com',
    });
    // HubSpot refuses a second contact with an email it holds; Salesforce, like many orgs, not.
    await create(hubspot, { firstName: 'Twin', lastName: 'Solo', email: 'twins@example.com' });
    await create(salesforce, { firstName: 'Twin', lastName: 'One', email: 'twins@example.com' });
    await create(salesforce, { firstName: 'Twin', lastName: 'Two', email: 'Twins@example.com' });
    await create(hubspot, { firstName: 'No', lastName: 'Email' });
    await create(salesforce, { firstName: 'Also', lastName: 'Nomail' });
    for (const connectionId of [hubspot, salesforce]) {
      const sync = await joinery.running.engine.syncs.create(scope, {
        connectionId,
        sync: 'contacts',
      });
      const run = await joinery.running.engine.syncs.runNow(scope, sync.id, { full: true });
      expect(run.status).toBe('succeeded');
    }
  }, 60_000);

  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  it('finds, from the stored records and in pages of whole keys, what live searches find', async () => {
    const live = await joinery.api('POST', '/v1/data/conflicts', { a: hubspot, b: salesforce });
    expect(live.status).toBe(200);
    expect(live.body.complete).toBe(true);
    const expected = asSet(live.body.findings as Finding[]);
    const kinds = new Set((live.body.findings as Finding[]).map((finding) => finding.kind));
    // The data holds every kind of finding, so the comparison below covers each.
    expect([...kinds].sort()).toEqual([
      'contradiction',
      'duplicate_key',
      'missing_in_a',
      'missing_in_b',
      'no_match_key',
    ]);

    const whole = await readAll({ limit: '5000' });
    expect(whole.pages).toBe(2); // the key-less records, then every key
    expect(asSet(whole.findings)).toEqual(expected);

    // One record per page: keys are never split, so nothing is reported missing that
    // the other side holds on the next page.
    const small = await readAll({ limit: '1' });
    expect(small.pages).toBeGreaterThan(5);
    expect(asSet(small.findings)).toEqual(expected);
    expect(small.findings).toEqual(
      expect.arrayContaining([
        { kind: 'duplicate_key', side: 'b', key: 'twins@example.com', ids: expect.any(Array) },
      ]),
    );
    expect(
      small.findings.some(
        (f) => f.kind.startsWith('missing') && f.key === 'quinn.zephyrine@example.com',
      ),
    ).toBe(false);
  });

  it('compares only the fields asked for, and refuses what it cannot read', async () => {
    const onlyTitles = await readAll({ fields: 'jobTitle', limit: '3' });
    const live = await joinery.api('POST', '/v1/data/conflicts', {
      a: hubspot,
      b: salesforce,
      fields: ['jobTitle'],
    });
    expect(asSet(onlyTitles.findings)).toEqual(asSet(live.body.findings as Finding[]));
    expect(
      onlyTitles.findings.every((f) => f.kind !== 'contradiction' || f.field === 'jobTitle'),
    ).toBe(true);

    const base = `/v1/records/conflicts?a=${hubspot}&b=${salesforce}`;
    const badField = await joinery.api(
      'GET',
      `${base}&matchOn=${encodeURIComponent("email') --")}`,
    );
    expect(badField.status).toBe(400);
    expect(badField.body.error).toMatchObject({ code: 'invalid_input', path: 'matchOn' });
    const badCursor = await joinery.api('GET', `${base}&cursor=not-a-cursor`);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error).toMatchObject({ code: 'invalid_input', path: 'cursor' });
    const same = await joinery.api('GET', `/v1/records/conflicts?a=${hubspot}&b=${hubspot}`);
    expect(same.status).toBe(400);
    const unknown = await joinery.api('GET', `/v1/records/conflicts?a=${hubspot}&b=conn_nope`);
    expect(unknown.status).toBe(404);
  });
});
