import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { SLACK_DEMO_TOKEN } from './options.js';

const EXTRA_USERS = 23;
const EXTRA_CHANNELS = 9;
let sandbox: Sandbox;
let api: string;
beforeAll(async () => {
  sandbox = await startSandbox({
    slack: {
      seedUsers: EXTRA_USERS,
      seedChannels: EXTRA_CHANNELS,
      rateLimits: { tier2: 1000, tier3: 1000 },
    },
  });
  api = `${sandbox.url}/slack/api`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

interface Page {
  ok: boolean;
  members?: { id: string }[];
  channels?: { id: string; is_archived: boolean }[];
  response_metadata: { next_cursor: string };
}

/** Follows `next_cursor` until it is empty, as Slack says to; returns the ids and page count. */
async function walk(method: string, key: 'members' | 'channels', query: Record<string, string>) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor = '';
  do {
    const params = new URLSearchParams({ ...query, ...(cursor === '' ? {} : { cursor }) });
    const response = await fetch(`${api}/${method}?${params.toString()}`, {
      headers: { authorization: `Bearer ${SLACK_DEMO_TOKEN}` },
    });
    const page = (await response.json()) as Page;
    expect(page.ok).toBe(true);
    const items = page[key] ?? [];
    ids.push(...items.map((item) => item.id));
    sizes.push(items.length);
    cursor = page.response_metadata.next_cursor;
  } while (cursor !== '' && sizes.length < 100);
  return { ids, sizes };
}

describe('Slack cursor pagination', () => {
  it('walks users.list to the end with no duplicates, the last cursor empty', async () => {
    // 8 named members, the extra ones, a deactivated member, the bot and Slackbot.
    const total = 8 + EXTRA_USERS + 3;
    const { ids, sizes } = await walk('users.list', 'members', { limit: '5' });
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(sizes).toEqual([...Array<number>(Math.floor(total / 5)).fill(5), total % 5]);
    expect(ids).toContain('USLACKBOT');
  });

  it('returns every user in one answer without a limit', async () => {
    const response = await fetch(`${api}/users.list`, {
      headers: { authorization: `Bearer ${SLACK_DEMO_TOKEN}` },
    });
    const page = (await response.json()) as Page & { cache_ts: number };
    expect(page.members).toHaveLength(8 + EXTRA_USERS + 3);
    expect(page.response_metadata.next_cursor).toBe('');
    expect(page.cache_ts).toBeGreaterThan(1_700_000_000);
  });

  it('can return short pages mid-list: only an empty next_cursor means the end', async () => {
    // 5 named public channels (one archived), 2 private (the bot is in one), 9 extra public.
    const { ids, sizes } = await walk('conversations.list', 'channels', {
      limit: '4',
      exclude_archived: 'true',
    });
    expect(ids).toHaveLength(4 + EXTRA_CHANNELS);
    expect(new Set(ids).size).toBe(ids.length);
    const short = sizes.slice(0, -1).filter((size) => size < 4);
    expect(short.length).toBeGreaterThan(0);

    const withPrivate = await walk('conversations.list', 'channels', {
      limit: '4',
      types: 'public_channel,private_channel',
    });
    expect(withPrivate.ids).toHaveLength(5 + 1 + EXTRA_CHANNELS);
  });

  it('resumes from a cursor even after earlier items were read', async () => {
    const first = (await (
      await fetch(`${api}/users.list?limit=3`, {
        headers: { authorization: `Bearer ${SLACK_DEMO_TOKEN}` },
      })
    ).json()) as Page;
    const cursor = first.response_metadata.next_cursor;
    expect(Buffer.from(cursor, 'base64').toString()).toMatch(/^user:U[0-9A-Z]+$/);
    const twice = await Promise.all(
      [1, 2].map(async () =>
        (
          (await (
            await fetch(`${api}/users.list?limit=3&cursor=${encodeURIComponent(cursor)}`, {
              headers: { authorization: `Bearer ${SLACK_DEMO_TOKEN}` },
            })
          ).json()) as Page
        ).members?.map((m) => m.id),
      ),
    );
    expect(twice[0]).toEqual(twice[1]);
    expect(twice[0]).not.toContain(first.members?.[0]?.id);
  });
});
