import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import express from 'express';
import fixturesServer from '@octokit/fixtures-server';
import {
  CredentialCipher,
  Engine,
  Secret,
  isJoineryError,
  type ConnectorDefinition,
} from '@joinery/engine';
import { openStore, type Store } from '@joinery/store';
import { pino } from 'pino';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvidence } from '../testing/evidence.js';
import { github } from './connector.js';

/*
 * GitHub's actions replayed against real recorded api.github.com traffic (@octokit/fixtures,
 * served by @octokit/fixtures-server). Only the recorded *request* headers are brought up to date
 * with what Joinery sends — `Authorization: Bearer` and `Accept: application/vnd.github+json`, both
 * of which GitHub documents and accepts; the recorded responses are untouched.
 */
const SCENARIOS = [
  'get-repository',
  'paginate-issues',
  'add-labels-to-issue',
  'errors',
  'search-issues',
];
const RECORDED_TOKEN = '0000000000000000000000000000000000000001';

const require = createRequire(import.meta.url);
const scenarioDir = join(
  dirname(require.resolve('@octokit/fixtures/package.json')),
  'scenarios',
  'api.github.com',
);

function loadScenario(name: string) {
  const recorded = JSON.parse(
    readFileSync(join(scenarioDir, name, 'normalized-fixture.json'), 'utf8'),
  ) as {
    reqheaders: Record<string, string | number>;
  }[];
  return recorded.map((entry) => {
    const reqheaders: Record<string, string | number> = {
      ...entry.reqheaders,
      authorization: `Bearer ${RECORDED_TOKEN}`,
      accept: 'application/vnd.github+json',
    };
    return { ...entry, reqheaders };
  });
}

// The recordings have no GET /user, so the replay connector is GitHub's without the connect-time check.
const { healthCheck: _unused, ...withoutCheck } = github;
const replayConnector: ConnectorDefinition = { ...withoutCheck, id: 'github-replay' };

describe('GitHub connector against recorded GitHub traffic', () => {
  let server: Server;
  let serverUrl: string;
  let store: Store;
  let engine: Engine;
  const scope = { environmentId: 'env_default' };

  recordEvidence({
    connector: 'github',
    suite: 'github.octokit-fixtures',
    kind: 'replay',
    target: () => ({ kind: 'recording', baseUrl: serverUrl }),
  });

  beforeAll(async () => {
    const app = express();
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app.use(
      fixturesServer({
        fixturesUrl: serverUrl,
        logLevel: 'silent',
        fixtures: Object.fromEntries(SCENARIOS.map((name) => [name, loadScenario(name)])) as never,
      }),
    );
    store = await openStore({ kind: 'pglite', dataDir: null });
    engine = new Engine({
      db: store.db,
      storeKind: store.kind,
      cipher: new CredentialCipher([new Secret(randomBytes(32))]),
      connectors: [replayConnector],
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://127.0.0.1:3003',
    });
    await engine.secretKeys.bootstrap(null);
  });

  afterAll(async () => {
    await engine?.close();
    await store?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Loads a scenario and returns a connection whose base URL serves exactly that recording. */
  async function connect(scenario: string): Promise<string> {
    const loaded = await fetch(`${serverUrl}/fixtures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario }),
    });
    expect(loaded.status).toBe(201);
    const { url } = (await loaded.json()) as { url: string };
    await engine.integrations.put(scope.environmentId, scenario, {
      connector: 'github-replay',
      baseUrl: url,
      allowPrivateNetwork: true,
    });
    const connection = await engine.connections.create(scope, {
      integration: scenario,
      tenant: 'octokit',
      credentials: { type: 'api_key', apiKey: RECORDED_TOKEN },
    });
    return connection.id;
  }

  it('get_repository reads a real repository object', async () => {
    const id = await connect('get-repository');
    const { output } = await engine.runAction(scope, id, 'get_repository', {
      owner: 'octokit-fixture-org',
      repo: 'hello-world',
    });
    expect(output).toMatchObject({
      full_name: 'octokit-fixture-org/hello-world',
      private: false,
      owner: { login: 'octokit-fixture-org' },
    });
  });

  it("list_issues follows GitHub's Link headers across five pages", async () => {
    const id = await connect('paginate-issues');
    const { output } = await engine.runAction(scope, id, 'list_issues', {
      owner: 'octokit-fixture-org',
      repo: 'paginate-issues',
      per_page: 3,
      limit: 100,
    });
    const numbers = (output as { number: number }[]).map((issue) => issue.number);
    expect(numbers).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('create_issue then add_labels replay a write sequence', async () => {
    const id = await connect('add-labels-to-issue');
    const created = await engine.runAction(scope, id, 'create_issue', {
      owner: 'octokit-fixture-org',
      repo: 'add-labels-to-issue',
      title: 'Issue without a label',
    });
    expect(created.output).toMatchObject({
      number: 1,
      title: 'Issue without a label',
      state: 'open',
    });
    const labelled = await engine.runAction(scope, id, 'add_labels', {
      owner: 'octokit-fixture-org',
      repo: 'add-labels-to-issue',
      issue_number: 1,
      labels: ['Foo', 'bAr', 'baZ'],
    });
    expect((labelled.output as { name: string }[]).map((label) => label.name)).toEqual([
      'Foo',
      'bAr',
      'baZ',
    ]);
  });

  it("turns GitHub's 422 into provider_rejected with GitHub's message", async ({ task }) => {
    task.meta.proves = ['errors'];
    const id = await connect('errors');
    const failure = await engine
      .runAction(scope, id, 'create_label', {
        owner: 'octokit-fixture-org',
        repo: 'errors',
        name: 'foo',
        color: 'invalid',
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(isJoineryError(failure)).toBe(true);
    expect(failure).toMatchObject({
      code: 'provider_rejected',
      retryable: false,
      details: { status: 422, message: 'Validation Failed' },
    });
  });

  it('search_issues reads a search result', async () => {
    const id = await connect('search-issues');
    const { output } = await engine.runAction(scope, id, 'search_issues', {
      q: 'sesame repo:octokit-fixture-org/search-issues',
    });
    expect(output).toMatchObject({ total_count: 2, incomplete_results: false });
    expect((output as { items: unknown[] }).items).toHaveLength(2);
  });

  it('logged every replayed exchange', async () => {
    const { entries } = await engine.logs(scope, { limit: 100 });
    expect(entries.filter((entry) => entry.source === 'action')).toHaveLength(1 + 5 + 2 + 1 + 1);
    expect(entries.every((entry) => !entry.url.includes(RECORDED_TOKEN))).toBe(true);
  });
});
