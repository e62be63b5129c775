import { SLACK_DEMO_TOKEN, startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractEngine, type ContractEngine } from '../testing/contract-engine.js';
import { recordEvidence } from '../testing/evidence.js';
import { slack } from './connector.js';

/*
 * Slack connector contract. Runs against the Slack sandbox; set SLACK_BOT_TOKEN (a bot token with
 * chat:write, channels:read, users:read, users:read.email) to run it against the live API — it
 * then posts one message to the first channel the bot is a member of.
 */
const live = process.env.SLACK_BOT_TOKEN;

describe(`Slack connector contract (${live ? 'live API' : 'sandbox'})`, () => {
  let sandbox: Sandbox | null = null;
  let harness: ContractEngine;
  let connection: string;
  let baseUrl: string | undefined;

  recordEvidence({
    connector: 'slack',
    suite: 'slack.contract',
    kind: 'contract',
    target: () => (live ? { kind: 'live', baseUrl: slack.baseUrl } : { kind: 'sandbox', baseUrl }),
  });

  beforeAll(async () => {
    harness = await startContractEngine([slack]);
    if (!live) {
      sandbox = await startSandbox({ slack: { seedUsers: 30, seedChannels: 30 } });
      baseUrl = `${sandbox.url}/slack/api`;
    }
    connection = await harness.connect(
      {
        key: 'slack',
        connector: 'slack',
        ...(baseUrl ? { baseUrl, allowPrivateNetwork: true } : {}),
      },
      { type: 'bearer', token: live ?? SLACK_DEMO_TOKEN },
    );
  });
  afterAll(async () => {
    await harness?.close();
    await sandbox?.close();
  });

  it('refuses a connection whose token Slack rejects (200 with ok:false), storing nothing', async ({
    task,
  }) => {
    task.meta.proves = ['errors'];
    await expect(
      harness.connect(
        {
          key: 'slack-bad',
          connector: 'slack',
          ...(baseUrl ? { baseUrl, allowPrivateNetwork: true } : {}),
        },
        { type: 'bearer', token: 'xoxb-not-a-real-token' },
      ),
    ).rejects.toMatchObject({ code: 'invalid_input', details: { code: 'invalid_auth' } });
  });

  it('lists channels across cursor pages without duplicates', async () => {
    const channels = (await harness.run(connection, 'list_conversations', {
      page_size: 5,
      limit: 25,
    })) as { id: string }[];
    expect(channels.length).toBeGreaterThan(5);
    expect(new Set(channels.map((c) => c.id)).size).toBe(channels.length);
  });

  it('lists users and finds one by email', async ({ task }) => {
    task.meta.proves = ['errors'];
    const users = (await harness.run(connection, 'list_users', { page_size: 10, limit: 40 })) as {
      id: string;
      profile?: { email?: string };
    }[];
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    const withEmail = users.find((u) => u.profile?.email);
    expect(withEmail).toBeDefined();
    const found = (await harness.run(connection, 'lookup_user_by_email', {
      email: withEmail?.profile?.email,
    })) as { id: string };
    expect(found.id).toBe(withEmail?.id);
    const missing = await harness.fail(connection, 'lookup_user_by_email', {
      email: 'nobody-joinery-contract@example.com',
    });
    expect(missing).toMatchObject({ code: 'not_found', details: { code: 'users_not_found' } });
  });

  it('posts and updates a message', async ({ task }) => {
    task.meta.proves = ['errors'];
    const channels = (await harness.run(connection, 'list_conversations', { limit: 200 })) as {
      id: string;
      is_member?: boolean;
      is_archived?: boolean;
    }[];
    const target = channels.find((c) => c.is_member && !c.is_archived);
    expect(target).toBeDefined();
    const posted = (await harness.run(connection, 'post_message', {
      channel: target?.id,
      text: 'Joinery contract test',
    })) as { ts: string; channel: string };
    expect(posted.ts).toMatch(/^\d+\.\d+$/);
    const updated = (await harness.run(connection, 'update_message', {
      channel: posted.channel,
      ts: posted.ts,
      text: 'Joinery contract test (edited)',
    })) as { ts: string };
    expect(updated.ts).toBe(posted.ts);
    const nowhere = await harness.fail(connection, 'post_message', {
      channel: 'C0NOTACHANNEL',
      text: 'x',
    });
    expect(nowhere).toMatchObject({ code: 'not_found', details: { code: 'channel_not_found' } });
  });

  it.skipIf(Boolean(live))('retries a 429 after its Retry-After and answers', async ({ task }) => {
    task.meta.proves = ['faults', 'rate_limits'];
    sandbox?.faults.add({
      provider: 'slack',
      path: '/api/users.lookupByEmail',
      fault: { kind: 'rate_limit', retryAfter: 1 },
    });
    const users = (await harness.run(connection, 'list_users', { limit: 5 })) as {
      profile?: { email?: string };
    }[];
    const email = users.find((u) => u.profile?.email)?.profile?.email;
    const started = Date.now();
    const found = await harness.run(connection, 'lookup_user_by_email', { email });
    expect(found).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it.skipIf(Boolean(live))(
    'reports a revoked token as auth_revoked and marks the connection needs_reauth',
    async ({ task }) => {
      task.meta.proves = ['errors', 'faults'];
      const revoked = await harness.connect(
        {
          key: 'slack-revoke',
          connector: 'slack',
          baseUrl: baseUrl as string,
          allowPrivateNetwork: true,
        },
        { type: 'bearer', token: SLACK_DEMO_TOKEN },
      );
      await fetch(`${baseUrl as string}/auth.revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SLACK_DEMO_TOKEN}` },
      });
      const error = await harness.fail(revoked, 'list_users', { limit: 1 });
      expect(error).toMatchObject({ code: 'auth_revoked', details: { code: 'token_revoked' } });
      const view = await harness.engine.connections.get(harness.scope, revoked);
      expect(view.state).toBe('needs_reauth');
    },
  );
});
