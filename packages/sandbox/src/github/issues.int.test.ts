import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { DEMO_TOKEN } from './options.js';

let sandbox: Sandbox;
let api: string;
const auth = { authorization: `Bearer ${DEMO_TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
beforeAll(async () => {
  sandbox = await startSandbox();
  api = `${sandbox.url}/github`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

interface Issue {
  number: number;
  title: string;
  body: string | null;
  state: string;
  url: string;
  labels: { name: string }[];
  assignees: { login: string }[];
  closed_at: string | null;
  closed_by?: { login: string } | null;
  state_reason: string | null;
}

const issuesUrl = () => `${api}/repos/octocat/hello-world/issues`;

describe('GitHub issues', () => {
  it('creates an issue (201 + Location) that later reads see', async () => {
    const created = await fetch(issuesUrl(), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        title: 'Found a bug',
        body: 'Steps…',
        labels: ['bug', 'triage'],
        assignees: ['octocat'],
      }),
    });
    expect(created.status).toBe(201);
    const issue = (await created.json()) as Issue;
    expect(issue).toMatchObject({
      title: 'Found a bug',
      body: 'Steps…',
      state: 'open',
      closed_by: null,
      state_reason: null,
    });
    expect(issue.labels.map((label) => label.name)).toEqual(['bug', 'triage']);
    expect(issue.assignees.map((user) => user.login)).toEqual(['octocat']);
    expect(created.headers.get('location')).toBe(issue.url);
    expect(issue.url).toBe(`${issuesUrl()}/${issue.number}`);

    const read = await fetch(issue.url, { headers: auth });
    expect(read.status).toBe(200);
    expect(((await read.json()) as Issue).title).toBe('Found a bug');

    const list = (await (
      await fetch(`${issuesUrl()}?per_page=1`, { headers: auth })
    ).json()) as Issue[];
    expect(list[0]?.number).toBe(issue.number); // newest first
    expect(list[0]).not.toHaveProperty('closed_by'); // list items omit it, as on GitHub
    expect(sandbox.count('POST', '/github/repos/octocat/hello-world/issues')).toBe(1);
  });

  it("answers a missing title with GitHub's 422 Validation Failed and creates nothing", async () => {
    const before = sandbox.count('POST', '/github/repos/octocat/hello-world/issues');
    const response = await fetch(issuesUrl(), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ body: 'no title' }),
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
      documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
      status: '422',
    });
    expect(sandbox.count('POST', '/github/repos/octocat/hello-world/issues')).toBe(before + 1);
    const newest = (await (
      await fetch(`${issuesUrl()}?per_page=1&state=all`, { headers: auth })
    ).json()) as Issue[];
    expect(newest[0]?.title).not.toBe('no title');
  });

  it('answers a body that is not JSON with 400 "Problems parsing JSON"', async () => {
    const response = await fetch(issuesUrl(), {
      method: 'POST',
      headers: json,
      body: '{"title": "x",',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      message: 'Problems parsing JSON',
      documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
      status: '400',
    });
  });

  it('answers a field of the wrong type with a 422 "Invalid request"', async () => {
    const response = await fetch(issuesUrl(), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ title: 'x', labels: 'bug' }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { message: string }).message).toBe(
      `Invalid request.\n\nFor 'properties/labels', "bug" is not an array.`,
    );
  });

  it('rejects an unknown assignee with a 422 naming it', async () => {
    const response = await fetch(issuesUrl(), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ title: 'x', assignees: ['nobody-here'] }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([
      { value: 'nobody-here', resource: 'Issue', field: 'assignees', code: 'invalid' },
    ]);
  });

  it('closes and reopens an issue with PATCH', async () => {
    const closed = await fetch(`${issuesUrl()}/1`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ state: 'closed', title: 'Renamed' }),
    });
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({
      state: 'closed',
      title: 'Renamed',
      state_reason: 'completed',
      closed_by: { login: 'octocat' },
    });
    const read = (await (await fetch(`${issuesUrl()}/1`, { headers: auth })).json()) as Issue;
    expect(read.state).toBe('closed');
    expect(read.closed_at).not.toBeNull();

    const reopened = (await (
      await fetch(`${issuesUrl()}/1`, { method: 'PATCH', headers: json, body: '{"state":"open"}' })
    ).json()) as Issue;
    expect(reopened).toMatchObject({ state: 'open', closed_at: null, state_reason: 'reopened' });
  });

  it('refuses an invalid state with a 422 and leaves the issue unchanged', async () => {
    const response = await fetch(`${issuesUrl()}/1`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ state: 'done', title: 'Nope' }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([
      { value: 'done', resource: 'Issue', field: 'state', code: 'invalid' },
    ]);
    expect(
      ((await (await fetch(`${issuesUrl()}/1`, { headers: auth })).json()) as Issue).title,
    ).toBe('Sandbox issue 1');
  });

  it('filters by state: open by default, closed, all, and a 422 for anything else', async () => {
    const count = async (query: string) =>
      (
        (await (
          await fetch(`${issuesUrl()}?per_page=100${query}`, { headers: auth })
        ).json()) as Issue[]
      ).length;
    const [open, closed, all] = [
      await count(''),
      await count('&state=closed'),
      await count('&state=all'),
    ];
    expect(open).toBeGreaterThan(0);
    expect(closed).toBeGreaterThan(0);
    expect(open + closed).toBe(all);
    expect((await fetch(`${issuesUrl()}?state=weird`, { headers: auth })).status).toBe(422);
  });

  it("answers unknown repositories, issues and routes with GitHub's 404", async () => {
    const repo = await fetch(`${api}/repos/octocat/does-not-exist`, { headers: auth });
    expect(repo.status).toBe(404);
    expect(await repo.json()).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository',
      status: '404',
    });
    expect((await fetch(`${issuesUrl()}/99999`, { headers: auth })).status).toBe(404);
    const route = await fetch(`${api}/nothing/here`, { headers: auth });
    expect(route.status).toBe(404);
    expect(await route.json()).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
    // Unsupported methods on real paths are 404s too, not 405s.
    expect((await fetch(`${api}/user`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('looks repositories up case-insensitively, as GitHub does', async () => {
    const response = await fetch(`${api}/repos/OctoCat/Hello-World`, { headers: auth });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { full_name: string }).full_name).toBe(
      'octocat/hello-world',
    );
  });

  it('forgets created issues on reset()', async () => {
    const created = (await (
      await fetch(issuesUrl(), { method: 'POST', headers: json, body: '{"title":"temporary"}' })
    ).json()) as Issue;
    sandbox.reset();
    expect((await fetch(created.url, { headers: auth })).status).toBe(404);
    expect(sandbox.requests).toHaveLength(1);
  });
});
