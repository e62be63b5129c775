import { describe, expect, it } from 'vitest';
import {
  createCodeStore,
  readClientCredentials,
  readForm,
  redirectAllowed,
  withQuery,
  type CodeGrant,
} from './oauth.js';

const grant: CodeGrant = { clientId: 'app', redirectUri: 'https://app.example/cb', scopes: ['a'] };

describe('authorization codes', () => {
  it('redeem once, then are unknown (RFC 6749 §4.1.2)', () => {
    let n = 0;
    const codes = createCodeStore<CodeGrant>(1000, () => `code-${++n}`);
    const code = codes.issue(grant, 0);
    expect(code).toBe('code-1');
    expect(codes.redeem(code, 10)).toEqual({ kind: 'ok', grant });
    expect(codes.redeem(code, 20)).toEqual({ kind: 'unknown' });
    expect(codes.redeem('made-up', 20)).toEqual({ kind: 'unknown' });
  });

  it('expire after their lifetime, and say so', () => {
    const codes = createCodeStore<CodeGrant>(1000, () => 'c');
    codes.issue(grant, 0);
    expect(codes.redeem('c', 1000)).toEqual({ kind: 'expired', grant });
  });
});

describe('redirects', () => {
  it('add parameters to the redirect URI and keep its own query', () => {
    expect(withQuery('https://app.example/cb?tenant=7', { code: 'x y', state: undefined })).toBe(
      'https://app.example/cb?tenant=7&code=x+y',
    );
  });

  it('go only to registered URIs, or to any http(s) URI if none is registered', () => {
    expect(redirectAllowed([], 'http://127.0.0.1:9/cb')).toBe(true);
    expect(redirectAllowed([], 'javascript:alert(1)')).toBe(false);
    expect(redirectAllowed(['https://app.example/cb'], 'https://app.example/cb')).toBe(true);
    expect(redirectAllowed(['https://app.example/cb'], 'https://app.example/cb2')).toBe(false);
  });
});

describe('client credentials', () => {
  const form = new URLSearchParams({ client_id: 'form-id', client_secret: 'form-secret' });

  it('come from Basic auth first, form-urlencoded per RFC 6749 §2.3.1', () => {
    const basic = `Basic ${Buffer.from('id%3Awith-colon:s%2Bcret').toString('base64')}`;
    expect(readClientCredentials({ authorization: basic }, form)).toEqual({
      clientId: 'id:with-colon',
      clientSecret: 's+cret',
    });
  });

  it('come from the form without Basic auth', () => {
    expect(readClientCredentials({}, form)).toEqual({
      clientId: 'form-id',
      clientSecret: 'form-secret',
    });
    expect(readClientCredentials({}, new URLSearchParams())).toEqual({
      clientId: undefined,
      clientSecret: undefined,
    });
  });

  it('read a form body only when it says it is one', () => {
    const body = Buffer.from('grant_type=refresh_token');
    expect(
      readForm({ 'content-type': 'application/x-www-form-urlencoded' }, body).get('grant_type'),
    ).toBe('refresh_token');
    expect(readForm({ 'content-type': 'application/json' }, body).get('grant_type')).toBeNull();
  });
});
