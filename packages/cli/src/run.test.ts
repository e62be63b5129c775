import { describe, expect, it } from 'vitest';
import { commands } from './commands/index.js';
import { cli } from './test-io.js';

const KEY = 'jny_sk_test_0123456789abcdef0123456789';
const ALL = [
  'start',
  'worker',
  'secret-key',
  'status',
  'connectors',
  'scorecard',
  'connect',
  'connections',
  'call',
  'logs',
  'runs',
  'syncs',
  'webhook-endpoints',
  'dead-letters',
  'mcp',
];

describe('joinery --help', () => {
  it('lists every command and exits 0', async () => {
    const { code, stdout, stderr } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const name of ALL) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(stdout).toContain('secret-key rotate');
  });

  it('knows exactly the commands it lists', () => {
    expect(commands.map((command) => command.spec.name)).toEqual(ALL);
  });

  it('without a command prints the list to stderr and exits 2', async () => {
    const { code, stdout, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('which command?');
    expect(stderr).toContain('connections');
  });

  it('suggests the nearest command for a typo', async () => {
    const { code, stderr } = await cli(['conections']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "conections"');
    expect(stderr).toContain("Did you mean 'connections'?");
  });

  it('prints the version', async () => {
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^joinery \d+\.\d+\.\d+\n$/);
  });
});

describe.each([
  [
    'start',
    'Usage: joinery start',
    ['--port N', '--host H', '--data-dir D', '--database-url URL', '--demo', '--sandbox-port N'],
  ],
  ['connectors', 'Usage: joinery connectors', ['--json', '--url URL', 'JOINERY_SECRET_KEY']],
  [
    'connect',
    'Usage: joinery connect <integration>',
    [
      '--tenant T',
      '--api-key-env VAR',
      '--api-key-stdin',
      '--token-env VAR',
      '--username U',
      '--password-env VAR',
    ],
  ],
  ['connections', 'Usage: joinery connections', ['--tenant T', '--integration I', '--json']],
  ['call', 'Usage: joinery call <connectionId> <action>', ['--input JSON', '--idempotency-key K']],
  ['logs', 'Usage: joinery logs', ['--connection ID', '--since TIME', '--limit N', '--follow']],
  ['secret-key', 'Usage: joinery secret-key rotate', ['rotate']],
])('joinery %s --help', (name, usage, mentions) => {
  it('prints the usage and every option, and exits 0', async () => {
    const { code, stdout, stderr } = await cli([name, '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.startsWith(usage)).toBe(true);
    for (const mention of mentions) expect(stdout).toContain(mention);
    expect(stdout).toContain('-h, --help');
  });

  it('is also `joinery help <command>` and `-h`', async () => {
    const viaHelp = await cli(['help', name]);
    const viaShort = await cli([name, '-h']);
    expect(viaHelp.stdout).toBe(viaShort.stdout);
    expect(viaHelp.stdout.startsWith(usage)).toBe(true);
  });
});

it('joinery secret-key rotate --help documents the rotation', async () => {
  const { code, stdout } = await cli(['secret-key', 'rotate', '--help']);
  expect(code).toBe(0);
  expect(stdout).toContain('Usage: joinery secret-key rotate');
  expect(stdout).toContain('--data-dir D');
  expect(stdout).toContain('--database-url URL');
});

describe('bad arguments exit 2 with what is wrong and what to do', () => {
  const env = { JOINERY_SECRET_KEY: KEY, JOINERY_URL: 'http://127.0.0.1:9' };
  it.each([
    [['connectors', '--bogus'], /unknown option --bogus/],
    [['connectors', 'a', 'b'], /takes at most 1 argument \(id\), but was given 2/],
    [['connections', '--tenant'], /--tenant needs a value: --tenant T/],
    [['connections', '--json=yes'], /--json is a switch and takes no value/],
    [['logs', '--limit', 'many'], /--limit takes a whole number from 1 to 1000, not "many"/],
    [['logs', '--limit', '0'], /--limit takes a whole number/],
    [['logs', '--since', 'yesterday'], /--since takes an ISO 8601 time .* or a duration ago/],
    [['call', 'conn_1'], /give the connection id and the action/],
    [['call', 'conn_1', 'list', '--input', '{oops'], /--input is not valid JSON/],
    [
      ['call', 'conn_1', 'list', '--input', '@/nonexistent/input.json'],
      /cannot read the input file .*does not exist/,
    ],
    [['connect', '--tenant', 'acme', '--api-key-env', 'K'], /which integration\?/],
    [['connect', 'gh', '--api-key-env', 'K'], /--tenant T is required/],
    // Without any credential option it prints a Connect page link instead (OAuth).
    [
      ['connect', 'gh', '--tenant', 'acme', '--username', 'u'],
      /no credentials given: use one of --api-key-env VAR/,
    ],
    [
      ['connect', 'gh', '--tenant', 'acme', '--api-key-env', 'A', '--token-env', 'B'],
      /choose one source of credentials, not --api-key-env and --token-env/,
    ],
    [
      ['connect', 'gh', '--tenant', 'acme', '--password-env', 'P'],
      /basic credentials need --username U/,
    ],
    [
      ['connect', 'gh', '--tenant', 'acme', '--username', 'u', '--token-env', 'T'],
      /--username goes with --password-env/,
    ],
    [['start', '--port', '99999'], /--port takes a port number from 0 to 65535, not "99999"/],
    [['start', '--sandbox-port', '3005'], /--sandbox-port only applies with --demo/],
    [['secret-key'], /which subcommand\? The only one is: joinery secret-key rotate/],
    [['secret-key', 'spin'], /unknown subcommand "spin"/],
    [['secret-key', 'rotate', '--force'], /unknown option --force/],
  ])('joinery %j', async (argv, message) => {
    const { code, stdout, stderr } = await cli(argv, { env });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('points at the command help', async () => {
    const { stderr } = await cli(['logs', '--bogus'], { env });
    expect(stderr).toBe(
      "joinery logs: unknown option --bogus.\nRun 'joinery logs --help' for usage.\n",
    );
  });

  it('does not repeat the value of an unknown --name=value option, which may be a secret', async () => {
    const { code, stderr } = await cli(
      ['connect', 'gh', '--tenant', 'acme', '--api-key=ghp_leaked_value'],
      { env },
    );
    expect(code).toBe(2);
    expect(stderr).toContain('unknown option --api-key');
    expect(stderr).not.toContain('ghp_leaked_value');
  });

  it('does not repeat a stray argument to connect, which may be a secret', async () => {
    const { code, stderr } = await cli(['connect', 'gh', 'ghp_stray_value', '--tenant', 'acme'], {
      env,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('takes at most 1 argument');
    expect(stderr).not.toContain('ghp_stray_value');
  });

  it('reports a setting loadConfig refuses, naming it, with exit 2', async () => {
    const { code, stderr } = await cli(['start', '--database-url', 'mysql://db/joinery'], {
      env: {},
    });
    expect(code).toBe(2);
    expect(stderr).toContain('JOINERY_DATABASE_URL');
  });
});
