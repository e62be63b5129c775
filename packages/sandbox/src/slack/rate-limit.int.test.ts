import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { SLACK_DEMO_TOKEN } from './options.js';
import { NAMED_CHANNELS } from './seed.js';

let sandbox: Sandbox;
let api: string;
const auth = { authorization: `Bearer ${SLACK_DEMO_TOKEN}` };
beforeAll(async () => {
  sandbox = await startSandbox({ slack: { rateLimits: { tier2: 2 } } });
  api = `${sandbox.url}/slack/api`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const post = (channel: string, text: string) =>
  fetch(`${api}/chat.postMessage`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ channel, text }),
  });
const history = async (channel: string) =>
  (
    (await (
      await fetch(`${api}/conversations.history?channel=${channel}&limit=1`, { headers: auth })
    ).json()) as {
      messages: { text: string }[];
    }
  ).messages[0]?.text;

describe('Slack rate limits', () => {
  it('answers the call past a method\'s tier with HTTP 429, Retry-After in seconds and "ratelimited"', async () => {
    for (let i = 0; i < 2; i += 1)
      expect((await fetch(`${api}/users.list?limit=1`, { headers: auth })).status).toBe(200);
    const limited = await fetch(`${api}/users.list?limit=1`, { headers: auth });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });

    // The limit is per method: another Tier 2 method still has its own minute.
    expect((await fetch(`${api}/conversations.list`, { headers: auth })).status).toBe(200);
    sandbox.reset();
    expect((await fetch(`${api}/users.list?limit=1`, { headers: auth })).status).toBe(200);
  });

  it('allows one chat.postMessage per channel per second, and posts nothing when it refuses', async () => {
    expect((await post(NAMED_CHANNELS.general, 'first')).status).toBe(200);
    const second = await post(NAMED_CHANNELS.general, 'too soon');
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await second.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(await history(NAMED_CHANNELS.general)).toBe('first');
    // Another channel is not affected.
    expect((await post(NAMED_CHANNELS.random, 'elsewhere')).status).toBe(200);
  });
});

describe('Slack under fault injection', () => {
  it("status: a 503 in Slack's envelope, then normal answers", async () => {
    sandbox.faults.add({
      provider: 'slack',
      path: '/api/chat.postMessage',
      fault: { kind: 'status', status: 503 },
    });
    const failed = await post(NAMED_CHANNELS.engineering, 'lost');
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual({ ok: false, error: 'service_unavailable' });
    expect(await history(NAMED_CHANNELS.engineering)).not.toBe('lost');
    expect((await post(NAMED_CHANNELS.engineering, 'kept')).status).toBe(200);
    expect(await history(NAMED_CHANNELS.engineering)).toBe('kept');
  });

  it('status 200 with a body: a revoked token as Slack reports it, for one call', async () => {
    sandbox.faults.add({
      provider: 'slack',
      fault: { kind: 'status', status: 200, body: { ok: false, error: 'token_revoked' } },
    });
    const response = await fetch(`${api}/auth.test`, { headers: auth });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, error: 'token_revoked' });
    expect(
      ((await (await fetch(`${api}/auth.test`, { headers: auth })).json()) as { ok: boolean }).ok,
    ).toBe(true);
  });

  it('rate_limit: a 429 burst with the Retry-After asked for', async () => {
    sandbox.faults.add({
      provider: 'slack',
      fault: { kind: 'rate_limit', retryAfter: 7 },
      times: 2,
    });
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${api}/auth.test`, { headers: auth });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
    }
    expect((await fetch(`${api}/auth.test`, { headers: auth })).status).toBe(200);
  });

  it('malformed: HTTP 200 whose JSON does not parse, after the message was posted', async () => {
    sandbox.faults.add({
      provider: 'slack',
      path: '/api/chat.postMessage',
      fault: { kind: 'malformed' },
    });
    const response = await post(NAMED_CHANNELS.engineering, 'half answered');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{"ok":true')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(await history(NAMED_CHANNELS.engineering)).toBe('half answered');
  });
});
