import { describe, expect, it } from 'vitest';
import { createRequestLog, fingerprint, redactCredential } from './request-log.js';

describe('request log', () => {
  it('replaces credentials with fingerprints that keep the scheme and never the token', () => {
    const token = 'ghp_supersecretvalue123';
    expect(redactCredential(`Bearer ${token}`)).toBe(`Bearer ${fingerprint(token)}`);
    expect(redactCredential(`token ${token}`)).toMatch(/^token sha256:[0-9a-f]{16}$/);
    expect(redactCredential(token)).toBe(fingerprint(token));
    expect(fingerprint(token)).not.toBe(fingerprint(`${token}x`));

    const log = createRequestLog();
    const recorded = log.record({
      method: 'GET',
      path: '/github/user',
      provider: 'github',
      query: new URLSearchParams('a=1&b=2&b=3'),
      headers: {
        authorization: `Bearer ${token}`,
        cookie: `session=${token}`,
        accept: 'application/json',
      },
      tokenLogin: 'octocat',
      body: Buffer.alloc(0),
    });
    expect(JSON.stringify(recorded)).not.toContain(token);
    expect(recorded.headers['accept']).toBe('application/json');
    expect(recorded.query).toEqual({ a: '1', b: ['2', '3'] });
    expect(recorded.body).toBeNull();
  });

  it('fingerprints credentials sent in forms, JSON bodies and queries (Slack tokens, OAuth grants)', () => {
    const log = createRequestLog();
    const entry = (body: string, type: string, query = '') =>
      log.record({
        method: 'POST',
        path: '/slack/api/oauth.v2.access',
        provider: 'slack',
        query: new URLSearchParams(query),
        headers: { 'content-type': type },
        tokenLogin: null,
        body: Buffer.from(body),
      });
    const form = entry(
      'client_id=app&client_secret=s3cret&code=c0de&grant_type=authorization_code',
      'application/x-www-form-urlencoded',
      'token=xoxb-in-query&channel=C1',
    );
    expect(form.body).toEqual({
      client_id: 'app',
      client_secret: fingerprint('s3cret'),
      code: fingerprint('c0de'),
      grant_type: 'authorization_code',
    });
    expect(form.query).toEqual({ token: fingerprint('xoxb-in-query'), channel: 'C1' });
    const json = entry(
      '{"refresh_token":"r3fresh","nested":{"access_token":"acc3ss"},"text":"hi"}',
      'application/json',
    );
    expect(json.body).toEqual({
      refresh_token: fingerprint('r3fresh'),
      nested: { access_token: fingerprint('acc3ss') },
      text: 'hi',
    });
    for (const secret of ['s3cret', 'c0de', 'xoxb-in-query', 'r3fresh', 'acc3ss'])
      expect(JSON.stringify(log.requests)).not.toContain(secret);
  });

  it('counts per method and path and forgets everything on clear()', () => {
    const log = createRequestLog();
    const entry = (method: string, path: string, body = '') => ({
      method,
      path,
      provider: 'github',
      query: new URLSearchParams(),
      headers: {},
      tokenLogin: null,
      body: Buffer.from(body),
    });
    log.record(entry('POST', '/github/repos/o/r/issues', '{"title":"x"}'));
    log.record(entry('POST', '/github/repos/o/r/issues', 'not json'));
    log.record(entry('GET', '/github/repos/o/r/issues'));
    expect(log.count('post', '/github/repos/o/r/issues')).toBe(2);
    expect(log.count('GET', '/github/repos/o/r/issues')).toBe(1);
    expect(log.requests.map((r) => r.body)).toEqual([{ title: 'x' }, 'not json', null]);
    expect(log.requests.map((r) => r.seq)).toEqual([1, 2, 3]);

    const sameArray = log.requests;
    log.clear();
    expect(sameArray).toHaveLength(0);
    expect(log.counts()).toEqual({});
  });
});
