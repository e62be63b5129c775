import { describe, expect, it } from 'vitest';
import * as sandbox from './index.js';

describe('public surface', () => {
  it('exports exactly these values (types are checked by tsc)', () => {
    expect(Object.keys(sandbox).sort()).toEqual([
      'DEMO_LOGIN',
      'DEMO_TOKEN',
      'HUBSPOT_DEMO_CLIENT_ID',
      'HUBSPOT_DEMO_CLIENT_SECRET',
      'HUBSPOT_DEMO_TOKEN',
      'InvalidFaultRuleError',
      'MAX_HANG_MS',
      'MAX_LATENCY_MS',
      'SALESFORCE_DEMO_CLIENT_ID',
      'SALESFORCE_DEMO_CLIENT_SECRET',
      'SALESFORCE_DEMO_TOKEN',
      'SLACK_DEMO_CLIENT_ID',
      'SLACK_DEMO_CLIENT_SECRET',
      'SLACK_DEMO_TOKEN',
      'SLACK_INACTIVE_TOKEN',
      'startSandbox',
    ]);
  });

  it('refuses a port that cannot exist before binding anything', async () => {
    await expect(sandbox.startSandbox({ port: 70_000 })).rejects.toThrow(/0 to 65535/);
  });

  it.each([
    [{ slack: { botTokens: ['xoxp-user'] } }, /slack\.botTokens: "xoxp-user" is not a bot token/],
    [
      { slack: { tokenRotation: { expiresInSeconds: 0 } } },
      /slack\.tokenRotation\.expiresInSeconds must be a whole number from 1 to 43200/,
    ],
    [
      { hubspot: { tenSecondlyLimit: 500 } },
      /hubspot\.tenSecondlyLimit must be a whole number from 1 to 190 \(got 500\)/,
    ],
    [
      { hubspot: { privateAppTokens: ['abc'] } },
      /hubspot\.privateAppTokens: "abc" is not a private-app token/,
    ],
    [
      { salesforce: { queryBatchSize: 5000 } },
      /salesforce\.queryBatchSize must be a whole number from 1 to 2000/,
    ],
    [{ salesforce: { sessionTimeoutSeconds: 0 } }, /salesforce\.sessionTimeoutSeconds/],
  ])(
    'refuses bad provider options %j with a message naming the setting',
    async (options, message) => {
      await expect(sandbox.startSandbox(options)).rejects.toThrow(message);
    },
  );
});
