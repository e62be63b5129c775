import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { HUBSPOT_DEMO_TOKEN } from './options.js';
import { NAMED_CONTACTS } from './seed.js';

const EXTRA = 40;
const TOTAL = NAMED_CONTACTS + EXTRA;
let sandbox: Sandbox;
let api: string;
const auth = { authorization: `Bearer ${HUBSPOT_DEMO_TOKEN}` };
beforeAll(async () => {
  sandbox = await startSandbox({
    hubspot: { seedContacts: EXTRA, tenSecondlyLimit: 190, searchPerSecond: 1000 },
  });
  api = `${sandbox.url}/hubspot`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

interface ListPage {
  results: { id: string }[];
  paging?: { next: { after: string; link?: string } };
}

describe('HubSpot paging', () => {
  it('walks the contact list to the end by following paging.next.link, with no duplicates', async () => {
    const ids: string[] = [];
    let next: string | undefined = `${api}/crm/v3/objects/contacts?limit=7&properties=email`;
    let pages = 0;
    while (next !== undefined && pages < 50) {
      const response: Response = await fetch(next, { headers: auth });
      expect(response.status).toBe(200);
      const page = (await response.json()) as ListPage;
      ids.push(...page.results.map((result) => result.id));
      next = page.paging?.next.link;
      pages += 1;
    }
    expect(pages).toBe(Math.ceil(TOTAL / 7));
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
  });

  it('takes `after` as given or encoded once more, and caps `limit` at 100', async () => {
    const first = (await (
      await fetch(`${api}/crm/v3/objects/contacts?limit=50`, { headers: auth })
    ).json()) as ListPage;
    const after = first.paging?.next.after ?? '';
    // URL-encoded base64 of the next id and a newline, like `NTI1Cg%3D%3D` in HubSpot's docs.
    expect(after).toBe('MTAxCg%3D%3D');
    const plain = new URL(`${api}/crm/v3/objects/contacts`);
    plain.searchParams.set('limit', '5');
    plain.searchParams.set('after', after); // encodes the % again
    const again = (await (await fetch(plain, { headers: auth })).json()) as ListPage;
    expect(again.results[0]?.id).toBe('101');
    expect(first.results.at(-1)?.id).toBe('100');

    const all = (await (
      await fetch(`${api}/crm/v3/objects/contacts?limit=500`, { headers: auth })
    ).json()) as ListPage;
    expect(all.results).toHaveLength(Math.min(100, TOTAL));

    const bad = await fetch(`${api}/crm/v3/objects/contacts?after=garbage!`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ category: 'VALIDATION_ERROR' });
  });

  it('walks search results with numeric `after` offsets and a total, no duplicates', async () => {
    const ids: string[] = [];
    let after: string | undefined = '0';
    let total = 0;
    while (after !== undefined && ids.length <= TOTAL) {
      const response: Response = await fetch(`${api}/crm/v3/objects/contacts/search`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          filterGroups: [
            { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' }] },
          ],
          limit: 9,
          after,
        }),
      });
      const page = (await response.json()) as ListPage & { total: number };
      total = page.total;
      ids.push(...page.results.map((result) => result.id));
      after = page.paging?.next.after;
      if (after !== undefined) expect(after).toBe(String(ids.length));
      expect(page.paging?.next.link).toBeUndefined();
    }
    // 3 named leads (Katherine, Linus, Dorothy) and every extra contact.
    expect(total).toBe(3 + EXTRA);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
  });
});
