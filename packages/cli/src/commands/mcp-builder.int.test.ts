// `joinery mcp --builder`, spawned as a coding agent starts it: scaffold a connector from GitHub's
// own OpenAPI document (@octokit/openapi), check the file type-checks under Joinery's strict
// settings, start Joinery with it loaded from JOINERY_CONNECTORS_DIR, and run its actions against
// the GitHub sandbox through the builder's run_action, exchange included.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { DEMO_TOKEN, startSandbox, type Sandbox } from '@joinery/sandbox';
import { loadConfig, startJoinery, type RunningJoinery } from '@joinery/server';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const require = createRequire(import.meta.url);
// Only the one file of @octokit/openapi that is needed: the package's index loads every variant.
const GITHUB_OPENAPI = require.resolve('@octokit/openapi/generated/api.github.com.json');
const ENGINE_TYPES = fileURLToPath(new URL('../../../engine/dist/index.d.ts', import.meta.url));

interface ToolAnswer {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
}

describe('joinery mcp --builder', { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let connectorsDir: string;
  let joinery: RunningJoinery | null = null;
  let secretKey: string;
  const clients: Client[] = [];

  async function start(withConnectors: boolean): Promise<RunningJoinery> {
    await joinery?.close();
    joinery = await startJoinery(
      loadConfig({
        JOINERY_PORT: '0',
        JOINERY_DATA_DIR: dataDir,
        JOINERY_LOG_LEVEL: 'silent',
        ...(withConnectors ? { JOINERY_CONNECTORS_DIR: connectorsDir } : {}),
      }),
    );
    return joinery;
  }

  async function builder(running: RunningJoinery): Promise<Client> {
    const client = new Client({ name: 'coding-agent', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--builder', '--connectors-dir', connectorsDir],
        env: {
          ...getDefaultEnvironment(),
          JOINERY_URL: running.url,
          JOINERY_SECRET_KEY: secretKey,
        },
        stderr: 'ignore',
      }),
    );
    clients.push(client);
    return client;
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as ToolAnswer;

  beforeAll(async () => {
    sandbox = await startSandbox();
    dataDir = await mkdtemp(join(tmpdir(), 'joinery-builder-'));
    connectorsDir = await mkdtemp(join(tmpdir(), 'joinery-connectors-'));
    const first = await start(false);
    secretKey = first.generatedSecretKey ?? '';
    expect(secretKey).toMatch(/^jny_sk_/);
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await joinery?.close();
    await sandbox?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(connectorsDir, { recursive: true, force: true });
  });

  it("scaffolds a GitHub connector from GitHub's OpenAPI document into the connectors directory", async () => {
    const client = await builder(joinery as RunningJoinery);
    const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
    expect(tools).toEqual([
      'describe_connector',
      'list_connections',
      'list_connectors',
      'read_logs',
      'read_schema_drift',
      'run_action',
      'scaffold_connector',
    ]);
    const known = await call(client, 'list_connectors', {});
    expect((known.structuredContent?.connectors as { id: string }[]).map((c) => c.id)).toContain(
      'github',
    );

    const made = await call(client, 'scaffold_connector', {
      openapi: GITHUB_OPENAPI,
      operations: ['repos/get', 'issues/list-for-repo', 'issues/create'],
      id: 'github-lite',
      name: 'GitHub (scaffolded)',
    });
    expect(made.isError, made.content[0]?.text).toBeFalsy();
    expect(made.structuredContent).toMatchObject({
      file: join(connectorsDir, 'github-lite.ts'),
      id: 'github-lite',
      actions: [
        { name: 'repos_get', method: 'GET', path: '/repos/{owner}/{repo}', readOnly: true },
        { name: 'issues_list_for_repo', method: 'GET', path: '/repos/{owner}/{repo}/issues' },
        {
          name: 'issues_create',
          method: 'POST',
          path: '/repos/{owner}/{repo}/issues',
          readOnly: false,
        },
      ],
    });
    // A second scaffold does not overwrite the user's file.
    const again = await call(client, 'scaffold_connector', {
      openapi: GITHUB_OPENAPI,
      operations: ['repos/get'],
      id: 'github-lite',
    });
    expect(again.isError).toBe(true);
    expect(again.structuredContent).toMatchObject({ error: { code: 'invalid_input', path: 'id' } });
    const unknown = await call(client, 'scaffold_connector', {
      openapi: GITHUB_OPENAPI,
      operations: ['repos/nope'],
      id: 'nope',
    });
    expect(unknown.structuredContent).toMatchObject({
      error: { code: 'invalid_input', path: 'operations[0]' },
    });
  });

  it("writes TypeScript that type-checks under Joinery's strict settings", async () => {
    const file = join(connectorsDir, 'github-lite.ts');
    const source = await readFile(file, 'utf8');
    expect(source).toContain('defineHttpAction({');
    expect(source).toContain('baseUrl: "https://api.github.com"');
    const program = ts.createProgram([file], {
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      paths: { '@joinery/engine': [ENGINE_TYPES] },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  it('is loaded at start from JOINERY_CONNECTORS_DIR and its actions run against the sandbox, with the exchange', async () => {
    const running = await start(true);
    const auth = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' };
    const put = await fetch(`${running.url}/v1/integrations/github-lite`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({
        connector: 'github-lite',
        baseUrl: `${sandbox.url}/github`,
        allowPrivateNetwork: true,
      }),
    });
    expect(put.status).toBe(201);
    const created = await fetch(`${running.url}/v1/connections`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        integration: 'github-lite',
        tenant: 'acme',
        credentials: { type: 'api_key', apiKey: DEMO_TOKEN },
      }),
    });
    expect(created.status).toBe(201);
    const connection = ((await created.json()) as { id: string }).id;

    const client = await builder(running);
    const described = await call(client, 'describe_connector', { id: 'github-lite' });
    expect(
      (described.structuredContent?.connector as { actions: { name: string }[] }).actions.map(
        (a) => a.name,
      ),
    ).toEqual(['repos_get', 'issues_list_for_repo', 'issues_create']);

    const repo = await call(client, 'run_action', {
      connection,
      action: 'repos_get',
      input: { owner: 'octocat', repo: 'hello-world' },
    });
    expect(repo.isError, repo.content[0]?.text).toBeFalsy();
    expect(repo.structuredContent).toMatchObject({
      output: { full_name: 'octocat/hello-world', owner: { login: 'octocat' } },
    });

    const issues = await call(client, 'run_action', {
      connection,
      action: 'issues_list_for_repo',
      input: { owner: 'octocat', repo: 'hello-world', state: 'open', per_page: 3 },
    });
    expect(issues.isError, issues.content[0]?.text).toBeFalsy();
    const listed = issues.structuredContent as {
      output: { number: number; title: string }[];
      exchange: { method: string; url: string; status: number; attempt: number }[];
    };
    expect(listed.output).toHaveLength(3);
    expect(typeof listed.output[0]?.title).toBe('string');
    // The full exchange from the request log: the request the action made and the answer's status.
    expect(listed.exchange).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: expect.stringMatching(
          /\/github\/repos\/octocat\/hello-world\/issues\?(?=.*state=open)(?=.*per_page=3)/,
        ),
        status: 200,
        attempt: 1,
      }),
    ]);
    expect(issues.content[0]?.text).toMatch(
      /Exchange:\nGET .*\/issues\?.* → 200 in \d+ ms \(attempt 1\)/,
    );

    const opened = await call(client, 'run_action', {
      connection,
      action: 'issues_create',
      input: { owner: 'octocat', repo: 'hello-world', title: 'Scaffolded and working' },
    });
    expect(opened.structuredContent).toMatchObject({
      output: { title: 'Scaffolded and working', state: 'open' },
    });
    // A wrong input is the engine's invalid_input with its path, and nothing is sent.
    const before = sandbox.count('POST', '/github/repos/octocat/hello-world/issues');
    const invalid = await call(client, 'run_action', {
      connection,
      action: 'issues_create',
      input: { owner: 'octocat', repo: 'hello-world' },
    });
    expect(invalid.isError).toBe(true);
    expect(invalid.structuredContent).toMatchObject({
      error: { code: 'invalid_input', path: 'input.title' },
      exchange: [],
    });
    expect(sandbox.count('POST', '/github/repos/octocat/hello-world/issues')).toBe(before);

    const logs = await call(client, 'read_logs', { connection, limit: 10 });
    expect((logs.structuredContent?.entries as unknown[]).length).toBeGreaterThanOrEqual(3);
    const drift = await call(client, 'read_schema_drift', { integration: 'github-lite' });
    expect(Array.isArray(drift.structuredContent?.drift)).toBe(true);
  });
});
