import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TOKEN } from './options.js';
import { startSandbox, type Sandbox } from '../index.js';

let sandbox: Sandbox;
let api: string;
beforeAll(async () => {
  sandbox = await startSandbox({
    github: { tokens: { [DEMO_TOKEN]: 'octocat', ghp_second_token: 'hubot' } },
  });
  api = `${sandbox.url}/github`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

describe('GitHub authentication', () => {
  it('answers a request without credentials with 401 "Requires authentication"', async () => {
    const response = await fetch(`${api}/user`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({
      message: 'Requires authentication',
      documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
      status: '401',
    });
    // Unauthenticated calls are counted against the caller's IP address: 60 per hour.
    expect(response.headers.get('x-ratelimit-limit')).toBe('60');
  });

  it.each(['Bearer', 'token'])(
    'answers a wrong %s token with 401 "Bad credentials"',
    async (scheme) => {
      const response = await fetch(`${api}/user`, {
        headers: { authorization: `${scheme} ghp_not_a_real_token` },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    },
  );

  it('checks credentials before the path: a wrong token on an unknown path is still a 401', async () => {
    const response = await fetch(`${api}/no/such/endpoint`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(response.status).toBe(401);
  });

  it.each([
    ['Bearer', `Bearer ${DEMO_TOKEN}`],
    ['token', `token ${DEMO_TOKEN}`],
    ['Basic', `Basic ${Buffer.from(`octocat:${DEMO_TOKEN}`).toString('base64')}`],
  ])(
    'accepts a good token with the %s scheme and returns the full user',
    async (_scheme, authorization) => {
      const response = await fetch(`${api}/user`, { headers: { authorization } });
      expect(response.status).toBe(200);
      const user = (await response.json()) as Record<string, unknown>;
      expect(user).toMatchObject({ login: 'octocat', id: 1, type: 'User', site_admin: false });
      for (const field of [
        'node_id',
        'avatar_url',
        'html_url',
        'repos_url',
        'created_at',
        'public_repos',
        'plan',
        'two_factor_authentication',
      ]) {
        expect(user).toHaveProperty(field);
      }
      expect(user['url']).toBe(`${api}/users/octocat`);
      expect(response.headers.get('x-oauth-scopes')).toBe('repo, user');
      expect(response.headers.get('x-ratelimit-limit')).toBe('5000');
    },
  );

  it('maps each configured token to its own user, whose private repositories others cannot see', async () => {
    const hubot = await fetch(`${api}/user`, {
      headers: { authorization: 'Bearer ghp_second_token' },
    });
    expect(((await hubot.json()) as { login: string; id: number }).login).toBe('hubot');

    // The third seeded repository is private.
    const own = await fetch(`${api}/repos/octocat/octo-api`, {
      headers: { authorization: `Bearer ${DEMO_TOKEN}` },
    });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { private: boolean }).private).toBe(true);
    const other = await fetch(`${api}/repos/octocat/octo-api`, {
      headers: { authorization: 'Bearer ghp_second_token' },
    });
    expect(other.status).toBe(404); // GitHub never confirms a private repository exists
    expect(await other.json()).toMatchObject({ message: 'Not Found', status: '404' });
  });
});
