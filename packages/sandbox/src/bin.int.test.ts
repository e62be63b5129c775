import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_TOKEN } from './github/options.js';
import { SALESFORCE_DEMO_TOKEN } from './salesforce/options.js';
import { SLACK_DEMO_TOKEN } from './slack/options.js';

// The compiled CLI, built by the global setup (tsc -b).
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function waitFor<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the CLI');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('joinery-sandbox CLI', () => {
  it('starts, prints the URL and the demo token, serves GitHub, and stops on SIGTERM with 0', async () => {
    const cli = run(['--port', '0']);
    const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(cli.output().stdout)?.[1]);
    expect(cli.output().stdout).toContain(DEMO_TOKEN);
    const response = await fetch(`${url}/github/user`, {
      headers: { authorization: `Bearer ${DEMO_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(cli.output().stdout).toContain(SLACK_DEMO_TOKEN);
    const slack = await fetch(`${url}/slack/api/auth.test`, {
      headers: { authorization: `Bearer ${SLACK_DEMO_TOKEN}` },
    });
    expect(((await slack.json()) as { ok: boolean }).ok).toBe(true);
    const salesforce = await fetch(`${url}/salesforce/services/data/v62.0/limits`, {
      headers: { authorization: `Bearer ${SALESFORCE_DEMO_TOKEN}` },
    });
    expect(salesforce.status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('stops on SIGINT with 0', async () => {
    const cli = run(['--port=0', '--host', '127.0.0.1']);
    await waitFor(() => /listening on/.exec(cli.output().stdout)?.[0]);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('explains the flags, routes and fault API with --help', async () => {
    const cli = run(['--help']);
    expect(await cli.exited).toBe(0);
    const { stdout } = cli.output();
    for (const text of [
      '--port',
      '--host',
      'GET   /user/repos',
      'POST   /_sandbox/faults',
      'reset_mid_body',
      'POST  /api/oauth.v2.access',
      'TEN_SECONDLY_ROLLING',
      '/crm/v3/objects/{contacts|companies}/search',
      'REQUEST_LIMIT_EXCEEDED',
      'sandbox_deny=1',
    ])
      expect(stdout).toContain(text);
  });

  it('refuses a bad flag with a message and exit code 2', async () => {
    const cli = run(['--prot', '4010']);
    expect(await cli.exited).toBe(2);
    expect(cli.output().stderr).toContain('Unknown argument "--prot"');
    expect(cli.output().stdout).toBe('');
  });
});
