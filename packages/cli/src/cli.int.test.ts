// The CLI against a real Joinery (embedded PGlite in a temp dir) and the GitHub sandbox.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, LogEntry } from '@joinery/sdk';
import { DEMO_TOKEN, startSandbox, type Sandbox } from '@joinery/sandbox';
import { loadConfig, startJoinery, type RunningJoinery } from '@joinery/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliOptions, type CliResult } from './test-io.js';

// A fresh embedded database takes seconds to migrate; two test workers share two cores.
describe('joinery against a running Joinery and the GitHub sandbox', { timeout: 120_000 }, () => {
  let dataDir: string;
  let sandbox: Sandbox;
  let joinery: RunningJoinery;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'joinery-cli-e2e-'));
    sandbox = await startSandbox({ port: 0 });
    const config = loadConfig({
      JOINERY_PORT: '0',
      JOINERY_DATA_DIR: dataDir,
      JOINERY_LOG_LEVEL: 'silent',
    });
    joinery = await startJoinery(config, {
      seedIntegrations: [
        {
          key: 'github-sandbox',
          connector: 'github',
          baseUrl: `${sandbox.url}/github`,
          allowPrivateNetwork: true,
        },
      ],
    });
    expect(joinery.generatedSecretKey).not.toBeNull();
    env = {
      JOINERY_URL: joinery.url,
      JOINERY_SECRET_KEY: joinery.generatedSecretKey ?? '',
      GITHUB_TOKEN: DEMO_TOKEN,
    };
  }, 120_000);

  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the connectors, and shows GitHub with its actions', async () => {
    const list = await cli(['connectors'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^github\s+GitHub\s+\S*api_key\S*\s+\d+/m);

    const github = await cli(['connectors', 'github'], { env });
    expect(github.code).toBe(0);
    expect(github.stdout).toMatch(/^list_repositories\s+GET\s+\/user\/repos/m);
  });

  it('connects with the demo token from the environment, calls an action and reads the log', async () => {
    const connect = await cli(
      ['connect', 'github-sandbox', '--tenant', 'demo', '--api-key-env', 'GITHUB_TOKEN', '--json'],
      {
        env,
      },
    );
    expect(connect.stderr).toBe('');
    expect(connect.code).toBe(0);
    expect(connect.stdout).not.toContain(DEMO_TOKEN);
    const connection = JSON.parse(connect.stdout) as Connection;
    expect(connection).toMatchObject({
      integration: 'github-sandbox',
      tenant: 'demo',
      state: 'healthy',
    });

    const connections = await cli(['connections', '--tenant', 'demo'], { env });
    expect(connections.code).toBe(0);
    expect(connections.stdout).toMatch(
      new RegExp(`^${connection.id}\\s+github-sandbox\\s+demo\\s+healthy\\s+-$`, 'm'),
    );

    const call = await cli(['call', connection.id, 'list_repositories'], { env });
    expect(call.stderr).toBe('');
    expect(call.code).toBe(0);
    const repositories = JSON.parse(call.stdout) as { name: string }[];
    expect(repositories.length).toBeGreaterThan(0);
    expect(typeof repositories[0]?.name).toBe('string');

    const logs = await cli(['logs', '--connection', connection.id, '--json'], { env });
    expect(logs.code).toBe(0);
    const entries = JSON.parse(logs.stdout) as LogEntry[];
    const actionCall = entries.find((entry) => entry.source === 'action');
    expect(actionCall).toMatchObject({
      connectionId: connection.id,
      method: 'GET',
      status: 200,
      errorCode: null,
    });
    expect(actionCall?.url).toContain('/github/user/repos');

    const table = await cli(['logs', '--connection', connection.id], { env });
    expect(table.stdout).toMatch(
      new RegExp(
        `${connection.id}\\s+action\\s+GET\\s+\\S+/github/user/repos\\S*\\s+200\\s+\\d+ ms\\s+-`,
      ),
    );
  });

  it('reports an unknown action as an API error with exit 1', async () => {
    const connect = await cli(
      ['connect', 'github-sandbox', '--tenant', 'other', '--api-key-env', 'GITHUB_TOKEN', '--json'],
      {
        env,
      },
    );
    const { id } = JSON.parse(connect.stdout) as Connection;
    const { code, stderr } = await cli(['call', id, 'launch_rocket'], { env });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error not_found: /);
  });

  it('refuses a wrong secret key as unauthorized', async () => {
    const { code, stderr } = await cli(['connectors'], {
      env: { ...env, JOINERY_SECRET_KEY: 'jny_sk_wrong_0000000000000000000000000' },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error unauthorized: /);
    expect(stderr).toContain('hint: this server did not accept JOINERY_SECRET_KEY');
  });
});

/** Runs `joinery start …` until its banner is out; `stop()` signals it and answers the result. */
async function startInProcess(argv: string[], options: CliOptions = {}) {
  const controller = new AbortController();
  let output = '';
  let ready: () => void = () => {};
  const banner = new Promise<void>((resolve) => (ready = resolve));
  const finished = cli(['start', ...argv], {
    ...options,
    signal: controller.signal,
    onStdout: (chunk) => {
      output += chunk;
      if (output.includes('Press Ctrl-C to stop.')) ready();
    },
  });
  // A start-up failure ends the command before any banner: surface it instead of hanging.
  await Promise.race([
    banner,
    finished.then((result) => Promise.reject(new Error(`start ended: ${JSON.stringify(result)}`))),
  ]);
  return {
    output,
    url: /running at (\S+)/.exec(output)?.[1] ?? '',
    key: /export JOINERY_SECRET_KEY=(\S+)/.exec(output)?.[1],
    stop: async (): Promise<CliResult> => {
      controller.abort();
      return finished;
    },
  };
}

// One story on one data directory: each step relies on the state the previous one left.
describe('joinery start and joinery secret-key rotate', { timeout: 120_000 }, () => {
  let dataDir: string;
  let firstKey = '';
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'joinery-cli-start-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  const quiet = { JOINERY_LOG_LEVEL: 'silent' };

  it('--demo starts Joinery and the sandbox, prints the key once, and stops on the signal', async () => {
    const started = await startInProcess(
      ['--demo', '--port', '0', '--sandbox-port', '0', '--data-dir', dataDir],
      {
        env: quiet,
      },
    );
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.output).toContain(`store: pglite (embedded, data in ${dataDir})`);
    expect(started.key).toMatch(/^jny_sk_/);
    firstKey = started.key ?? '';
    expect(started.output.split(started.key ?? '-').length - 1).toBe(1);
    expect(started.output).toContain('It will not be shown again');
    expect(started.output).toContain(
      'joinery connect github-sandbox --tenant demo --api-key-env GITHUB_TOKEN',
    );
    expect(started.output).toContain(`export GITHUB_TOKEN=${DEMO_TOKEN}`);

    const env = {
      JOINERY_URL: started.url,
      JOINERY_SECRET_KEY: started.key ?? '',
      GITHUB_TOKEN: DEMO_TOKEN,
    };
    const connect = await cli(
      ['connect', 'github-sandbox', '--tenant', 'demo', '--api-key-env', 'GITHUB_TOKEN'],
      { env },
    );
    expect(connect.stdout).toMatch(
      /^Created connection \S+ \(integration github-sandbox, tenant demo\): healthy$/m,
    );

    const result = await started.stop();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Stopped.');
    const after = await cli(['connectors'], { env });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^error network: /);
  });

  it('does not print a key on the next start, and rotation replaces it', async () => {
    const again = await startInProcess(['--port', '0', '--data-dir', dataDir], { env: quiet });
    expect(again.key).toBeUndefined();
    expect(again.output).toContain('secret key: the one already set');
    expect((await again.stop()).code).toBe(0);

    const rotated = await cli(['secret-key', 'rotate', '--data-dir', dataDir], { env: quiet });
    expect(rotated.code).toBe(0);
    const newKey = /export JOINERY_SECRET_KEY=(\S+)/.exec(rotated.stdout)?.[1] ?? '';
    expect(newKey).toMatch(/^jny_sk_/);
    expect(rotated.stdout).toContain('will not be shown again');

    const third = await startInProcess(['--port', '0', '--data-dir', dataDir], { env: quiet });
    try {
      const withNew = await cli(['connections'], {
        env: { JOINERY_URL: third.url, JOINERY_SECRET_KEY: newKey },
      });
      expect(withNew.code).toBe(0);
      expect(withNew.stdout).toMatch(/github-sandbox\s+demo\s+healthy/);
      const withOld = await cli(['connections'], {
        env: { JOINERY_URL: third.url, JOINERY_SECRET_KEY: firstKey },
      });
      expect(withOld.code).toBe(1);
      expect(withOld.stderr).toMatch(/^error unauthorized: /);
    } finally {
      expect((await third.stop()).code).toBe(0);
    }
  });
});
