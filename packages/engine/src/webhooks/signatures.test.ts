import { createHmac, randomBytes } from 'node:crypto';
import { sign as signGitHub } from '@octokit/webhooks-methods';
import { isValidSlackRequest } from '@slack/bolt';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { ConnectorDefinitionError, validateConnector } from '../connector/registry.js';
import { Secret } from '../secret.js';
import { verifyGitHub } from './github-signature.js';
import { firstValue, valueAt } from './schemes.js';
import { verifySlack } from './slack-signature.js';
import { verifyStandardWebhooks } from './standard-webhooks-signature.js';
import { verifyStripe } from './stripe-signature.js';
import type { VerifyOptions } from './types.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const nowSeconds = Math.floor(NOW / 1000);
const body = Buffer.from(JSON.stringify({ id: 'evt_1', type: 'ping', text: 'héllo' }));
const options = (...secrets: string[]): VerifyOptions => ({
  secrets: secrets.map((secret) => new Secret(secret)),
  nowMs: NOW,
  toleranceSeconds: 300,
});
const tampered = Buffer.from(body.toString('utf8').replace('ping', 'pong'));

describe('GitHub X-Hub-Signature-256', () => {
  it("accepts GitHub's own signer, refuses a wrong secret, a tampered body and a missing header", async () => {
    const header = await signGitHub('gh-secret', body.toString('utf8'));
    const request = { headers: { 'x-hub-signature-256': header }, body };
    expect(verifyGitHub(request, options('gh-secret'))).toEqual({ ok: true });
    expect(verifyGitHub(request, options('other', 'gh-secret'))).toEqual({ ok: true });
    expect(verifyGitHub(request, options('wrong'))).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(verifyGitHub({ ...request, body: tampered }, options('gh-secret'))).toMatchObject({
      reason: 'signature_mismatch',
    });
    expect(verifyGitHub({ headers: {}, body }, options('gh-secret'))).toMatchObject({
      reason: 'missing_signature',
    });
    expect(
      verifyGitHub({ headers: { 'x-hub-signature-256': 'sha1=abc' }, body }, options('gh-secret')),
    ).toMatchObject({ reason: 'malformed_signature' });
  });
});

describe('Slack v0', () => {
  const secret = randomBytes(16).toString('hex');
  // https://docs.slack.dev/authentication/verifying-requests-from-slack, step by step.
  const slackHeaders = (timestamp: number, key = secret, signed = body) => ({
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${createHmac('sha256', key)
      .update(`v0:${timestamp}:${signed.toString('utf8')}`)
      .digest('hex')}`,
  });
  const boltAccepts = (headers: Record<string, string>, nowMs: number, signed = body) =>
    isValidSlackRequest({
      signingSecret: secret,
      body: signed.toString('utf8'),
      headers: {
        'x-slack-signature': headers['x-slack-signature'] as string,
        'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
      },
      nowMilliseconds: nowMs,
    });

  it("accepts what Slack's verifier in @slack/bolt accepts", () => {
    const headers = slackHeaders(nowSeconds - 10);
    expect(boltAccepts(headers, NOW)).toBe(true);
    expect(verifySlack({ headers, body }, options(secret))).toEqual({ ok: true });
  });

  it('refuses, as bolt does, a wrong secret, a tampered body and a timestamp over 5 minutes old', () => {
    const wrong = slackHeaders(nowSeconds, 'wrong-secret');
    expect(boltAccepts(wrong, NOW)).toBe(false);
    expect(verifySlack({ headers: wrong, body }, options(secret))).toMatchObject({
      reason: 'signature_mismatch',
    });
    const headers = slackHeaders(nowSeconds);
    expect(boltAccepts(headers, NOW, tampered)).toBe(false);
    expect(verifySlack({ headers, body: tampered }, options(secret))).toMatchObject({
      reason: 'signature_mismatch',
    });
    const stale = slackHeaders(nowSeconds - 301);
    expect(boltAccepts(stale, NOW)).toBe(false);
    expect(verifySlack({ headers: stale, body }, options(secret))).toMatchObject({
      reason: 'timestamp_out_of_tolerance',
    });
    expect(verifySlack({ headers: slackHeaders(nowSeconds - 299), body }, options(secret))).toEqual(
      { ok: true },
    );
  });
});

describe('Stripe-Signature', () => {
  const stripe = new Stripe('sk_test_unused');
  const header = (secret: string, timestamp = nowSeconds) =>
    stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp });

  it("accepts the SDK's header, under either secret of a rotation, and refuses a wrong one", () => {
    const request = { headers: { 'stripe-signature': header('whsec_old') }, body };
    expect(verifyStripe(request, options('whsec_old'))).toEqual({ ok: true });
    expect(verifyStripe(request, options('whsec_new', 'whsec_old'))).toEqual({ ok: true });
    expect(verifyStripe(request, options('whsec_new'))).toMatchObject({
      reason: 'signature_mismatch',
    });
    expect(verifyStripe({ ...request, body: tampered }, options('whsec_old'))).toMatchObject({
      reason: 'signature_mismatch',
    });
  });

  it('accepts a header carrying one v1 per rolled secret', () => {
    const old = header('whsec_old');
    const fresh = header('whsec_new');
    const both = `${old},v1=${fresh.split('v1=')[1] as string}`;
    expect(
      verifyStripe({ headers: { 'stripe-signature': both }, body }, options('whsec_new')),
    ).toEqual({ ok: true });
  });

  it('refuses a timestamp outside the 300 s tolerance and a header without t or v1', () => {
    const stale = { headers: { 'stripe-signature': header('whsec_old', nowSeconds - 301) }, body };
    expect(verifyStripe(stale, options('whsec_old'))).toMatchObject({
      reason: 'timestamp_out_of_tolerance',
    });
    expect(
      verifyStripe({ headers: { 'stripe-signature': 'v1=abc' }, body }, options('whsec_old')),
    ).toMatchObject({ reason: 'malformed_signature' });
  });
});

describe('Standard Webhooks', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const signed = (key: string, at = new Date(NOW), id = 'msg_1') => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(key).sign(id, at, body.toString('utf8')),
  });

  it("accepts the reference library's signature and refuses wrong secrets, tampering and age", () => {
    expect(verifyStandardWebhooks({ headers: signed(secret), body }, options(secret))).toEqual({
      ok: true,
    });
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    expect(verifyStandardWebhooks({ headers: signed(other), body }, options(secret))).toMatchObject(
      { reason: 'signature_mismatch' },
    );
    expect(
      verifyStandardWebhooks({ headers: signed(secret), body: tampered }, options(secret)),
    ).toMatchObject({ reason: 'signature_mismatch' });
    const stale = signed(secret, new Date(NOW - 301_000));
    expect(verifyStandardWebhooks({ headers: stale, body }, options(secret))).toMatchObject({
      reason: 'timestamp_out_of_tolerance',
    });
    // The id is signed: the same signature under another id is refused.
    const moved = { ...signed(secret), 'webhook-id': 'msg_2' };
    expect(verifyStandardWebhooks({ headers: moved, body }, options(secret))).toMatchObject({
      reason: 'signature_mismatch',
    });
  });
});

describe('webhook connector data', () => {
  const base = {
    id: 'demo',
    name: 'Demo',
    description: 'A demo API',
    docsUrl: 'https://example.com/docs',
    baseUrl: 'https://api.example.com',
    auth: [{ type: 'bearer' as const }],
    actions: [],
  };

  it('is validated at load, naming the field at fault', () => {
    expect(() =>
      validateConnector({
        ...base,
        webhooks: { scheme: 'github', routes: [{ payloadPath: 'a.b', connectionField: 'c' }] },
      }),
    ).not.toThrow();
    expect(() => validateConnector({ ...base, webhooks: { scheme: 'hmac' as 'github' } })).toThrow(
      ConnectorDefinitionError,
    );
    expect(() =>
      validateConnector({
        ...base,
        webhooks: { scheme: 'stripe', routes: [{ payloadPath: 'a..b', connectionField: 'c' }] },
      }),
    ).toThrow(/webhooks\.routes\.0\.payloadPath/);
  });

  it('reads delivery ids and event types from headers or payload paths', () => {
    const payload = { event: { type: 'message' }, installation: { id: 42 } };
    expect(valueAt(payload, 'event.type')).toBe('message');
    expect(valueAt(payload, 'event.type.x')).toBeUndefined();
    expect(firstValue([{ payload: 'missing' }, { payload: 'installation.id' }], {}, payload)).toBe(
      '42',
    );
    expect(firstValue([{ header: 'x-github-event' }], { 'x-github-event': 'push' }, payload)).toBe(
      'push',
    );
    expect(firstValue([{ payload: 'event' }], {}, payload)).toBeNull();
  });
});
