import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { SLACK_DEMO_TOKEN } from './options.js';
import { NAMED_CHANNELS } from './seed.js';

let sandbox: Sandbox;
let api: string;
const auth = { authorization: `Bearer ${SLACK_DEMO_TOKEN}` };
beforeAll(async () => {
  // Posting is limited per channel per second; these tests are about content, not pacing.
  sandbox = await startSandbox({ slack: { rateLimits: { postMessagePerChannelPerSecond: 100 } } });
  api = `${sandbox.url}/slack/api`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

type Answer = Record<string, unknown> & { ok: boolean; error?: string };

/** A JSON call, the way the official SDKs send them. */
async function call(method: string, args: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(`${api}/${method}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(args),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

describe('Slack chat and history', () => {
  it('posts a message that conversations.history then returns first', async () => {
    const posted = await call('chat.postMessage', {
      channel: NAMED_CHANNELS.engineering,
      text: 'Deploy finished',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* finished' } }],
    });
    expect(posted).toMatchObject({
      ok: true,
      channel: NAMED_CHANNELS.engineering,
      message: {
        type: 'message',
        text: 'Deploy finished',
        user: 'U2000000001',
        bot_id: 'B2000000001',
        app_id: 'A3000000001',
        blocks: [{ type: 'section' }],
      },
    });
    expect(posted['ts']).toMatch(/^\d{10}\.\d{6}$/);

    const history = await call('conversations.history', {
      channel: NAMED_CHANNELS.engineering,
      limit: 1,
    });
    expect(history).toMatchObject({
      ok: true,
      has_more: true,
      messages: [{ ts: posted['ts'], text: 'Deploy finished' }],
    });
  });

  it('posts by channel name, and by form with blocks as a JSON string', async () => {
    const response = await fetch(`${api}/chat.postMessage`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        channel: '#general',
        blocks: JSON.stringify([{ type: 'divider' }]),
      }).toString(),
    });
    const body = (await response.json()) as Answer;
    expect(body).toMatchObject({ ok: true, channel: NAMED_CHANNELS.general });
    expect(body['message']).toMatchObject({ text: '', blocks: [{ type: 'divider' }] });
  });

  it('updates its own message, and the edit is what history shows', async () => {
    const posted = await call('chat.postMessage', { channel: 'random', text: 'draft' });
    const updated = await call('chat.update', {
      channel: NAMED_CHANNELS.random,
      ts: posted['ts'],
      text: 'final',
    });
    expect(updated).toMatchObject({
      ok: true,
      channel: NAMED_CHANNELS.random,
      ts: posted['ts'],
      text: 'final',
      message: { text: 'final', edited: { user: 'U2000000001' } },
    });
    const history = await call('conversations.history', { channel: 'random', limit: 1 });
    expect(history['messages']).toMatchObject([{ ts: posted['ts'], text: 'final' }]);
  });

  it.each([
    ['chat.postMessage', { channel: 'C0999999999', text: 'x' }, 'channel_not_found'],
    ['chat.postMessage', { text: 'no channel' }, 'channel_not_found'],
    // Private and not a member: to the bot the channel does not exist.
    ['chat.postMessage', { channel: NAMED_CHANNELS.secret, text: 'x' }, 'channel_not_found'],
    ['chat.postMessage', { channel: NAMED_CHANNELS.announcements, text: 'x' }, 'not_in_channel'],
    ['chat.postMessage', { channel: NAMED_CHANNELS.oldProject, text: 'x' }, 'is_archived'],
    ['chat.postMessage', { channel: NAMED_CHANNELS.general }, 'no_text'],
    [
      'chat.postMessage',
      { channel: NAMED_CHANNELS.general, text: 'x'.repeat(40_001) },
      'msg_too_long',
    ],
    ['chat.postMessage', { channel: NAMED_CHANNELS.general, blocks: '{nope' }, 'invalid_blocks'],
    [
      'chat.update',
      { channel: NAMED_CHANNELS.general, ts: '1.000001', text: 'x' },
      'message_not_found',
    ],
    ['users.lookupByEmail', { email: 'nobody@example.com' }, 'users_not_found'],
    ['users.lookupByEmail', {}, 'invalid_arguments'],
    ['conversations.list', { limit: 1001 }, 'invalid_limit'],
    ['conversations.list', { types: 'public_channel,dm' }, 'invalid_types'],
    ['users.list', { cursor: 'bm90LWEtY3Vyc29y' }, 'invalid_cursor'],
  ])('%s %j answers HTTP 200 with "%s"', async (method, args, error) => {
    expect(await call(method, args)).toEqual({ ok: false, error });
  });

  it('refuses to edit someone else\'s message with "cant_update_message"', async () => {
    const history = await call('conversations.history', { channel: NAMED_CHANNELS.general });
    const seeded = (history['messages'] as { ts: string; user: string }[]).find(
      (m) => m.user !== 'U2000000001',
    );
    expect(seeded).toBeDefined();
    expect(
      await call('chat.update', {
        channel: NAMED_CHANNELS.general,
        ts: seeded?.ts,
        text: 'mine now',
      }),
    ).toEqual({ ok: false, error: 'cant_update_message' });
  });

  it('finds a member by email, and not a deactivated one', async () => {
    const found = await call('users.lookupByEmail', { email: 'GRACE@example.com' });
    expect(found).toMatchObject({
      ok: true,
      user: { name: 'grace', real_name: 'Grace Hopper', profile: { email: 'grace@example.com' } },
    });
  });

  it('answers transport mistakes the way Slack does', async () => {
    // fetch sends a string body as text/plain, which Slack reads as a form…
    const plainText = await fetch(`${api}/auth.test`, {
      method: 'POST',
      headers: auth,
      body: 'x=1',
    });
    expect(((await plainText.json()) as Answer).ok).toBe(true);
    // …and bytes with no type at all, which it refuses.
    const untyped = await fetch(`${api}/auth.test`, {
      method: 'POST',
      headers: auth,
      body: new Uint8Array(Buffer.from('x=1')),
    });
    expect(await untyped.json()).toEqual({ ok: false, error: 'missing_post_type' });

    const badJson = await fetch(`${api}/auth.test`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"channel":',
    });
    expect(await badJson.json()).toEqual({ ok: false, error: 'invalid_json' });

    // JSON without a charset works, with Slack's warning.
    const noCharset = await fetch(`${api}/auth.test`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await noCharset.json()).toMatchObject({
      ok: true,
      warning: 'missing_charset',
      response_metadata: { warnings: ['missing_charset'] },
    });
  });

  it('forgets posted messages on reset()', async () => {
    await call('chat.postMessage', { channel: 'general', text: 'temporary' });
    sandbox.reset();
    const history = await call('conversations.history', { channel: 'general', limit: 1 });
    expect(history['messages']).toMatchObject([{ text: 'Seeded message 3 in #general' }]);
  });
});
