import type * as sandboxApi from '@joinery/sandbox';
import type { JoineryConfig, RunningJoinery, SeedIntegration } from '@joinery/server';
import type { Sandbox } from '@joinery/sandbox';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from '../io.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../remote.js';
import { configMistake, dataDirOption, loadServerConfig } from '../server-settings.js';
import { stopSignal, whenAborted } from '../stop-signal.js';

const DEFAULT_SANDBOX_PORT = 3004;
const DEMO_INTEGRATION = 'github-sandbox';

const spec = {
  name: 'start',
  summary: 'Start Joinery (with --demo, also a GitHub sandbox to try it on).',
  usage:
    'joinery start [--port N] [--host H] [--data-dir D] [--database-url URL] [--demo] [--sandbox-port N]',
  description: [
    'Flags override the environment. With no database URL, data lives in an embedded PGlite',
    'database in the data directory; on first start there a secret key is generated and printed',
    'once. Runs until Ctrl-C (SIGINT) or SIGTERM.',
  ].join('\n'),
  options: {
    port: {
      type: 'string',
      value: 'N',
      description: `port to listen on (JOINERY_PORT; default ${DEFAULT_PORT}; 0 = any free port)`,
    },
    host: {
      type: 'string',
      value: 'H',
      description: `address to listen on (JOINERY_HOST; default ${DEFAULT_HOST})`,
    },
    'data-dir': dataDirOption,
    'database-url': {
      type: 'string',
      value: 'URL',
      description:
        'use PostgreSQL instead (JOINERY_DATABASE_URL; prefer the variable when the URL holds a password, as arguments show in ps)',
    },
    demo: {
      type: 'boolean',
      description: `also start the sandbox (fake GitHub, Slack, HubSpot and Salesforce) and one integration for each ("${DEMO_INTEGRATION}", "slack-sandbox", "hubspot-sandbox", "salesforce-sandbox")`,
    },
    'sandbox-port': {
      type: 'string',
      value: 'N',
      description: `port of the demo's sandbox (default ${DEFAULT_SANDBOX_PORT}; 0 = any free port)`,
    },
  },
  environment: [
    ['JOINERY_PORT, JOINERY_HOST', 'where to listen'],
    ['JOINERY_DATA_DIR', 'embedded database directory'],
    ['JOINERY_DATABASE_URL', 'PostgreSQL URL (unset = embedded PGlite)'],
    ['JOINERY_PGLITE_SHARED_BUFFERS', "the embedded store's page cache (default 16MB)"],
    ['JOINERY_SECRET_KEY', 'sets the API secret key explicitly'],
    [
      'JOINERY_ENCRYPTION_KEY',
      'credential encryption key (base64, 32 bytes; required with PostgreSQL)',
    ],
    ['JOINERY_PUBLIC_URL', 'how browsers and providers reach Joinery'],
  ],
  examples: ['joinery start --demo', 'joinery start --port 8080 --data-dir /var/lib/joinery'],
} as const satisfies CommandSpec;

export const startCommand: Command = {
  spec,
  async run(argv, io) {
    const { values } = parseCommand(spec, argv);
    if (values['sandbox-port'] !== undefined && !values.demo) {
      throw new UsageError('--sandbox-port only applies with --demo.', spec.name);
    }
    const sandboxPort = parsePort(
      '--sandbox-port',
      values['sandbox-port'] ?? String(DEFAULT_SANDBOX_PORT),
    );
    const { server, config } = await loadServerConfig(
      io.env,
      {
        JOINERY_PORT:
          values.port === undefined ? undefined : String(parsePort('--port', values.port)),
        JOINERY_HOST: values.host,
        JOINERY_DATA_DIR: values['data-dir'],
        JOINERY_DATABASE_URL: values['database-url'],
      },
      spec.name,
    );

    // Installed before anything starts, so a Ctrl-C during start-up still shuts down cleanly.
    const stop = stopSignal(io);
    const started: Started = {};
    let failure: { error: unknown } | undefined;
    try {
      let demoToken = '';
      let sandboxModule: SandboxModule | null = null;
      const seedIntegrations: SeedIntegration[] = [];
      if (values.demo) {
        sandboxModule = await import('@joinery/sandbox');
        demoToken = sandboxModule.DEMO_TOKEN;
        try {
          started.sandbox = await sandboxModule.startSandbox({ port: sandboxPort });
        } catch (error) {
          throw new Error(
            `could not start the sandbox on port ${sandboxPort}: ${describe(error)}. Choose another with --sandbox-port N (0 = any free port).`,
            { cause: error },
          );
        }
        seedIntegrations.push(...demoIntegrations(started.sandbox.url, sandboxModule));
      }

      try {
        started.joinery = await server.startJoinery(config, { seedIntegrations });
      } catch (error) {
        throw (
          configMistake(error, server, spec.name) ??
          new Error(`could not start Joinery: ${describe(error)}`, { cause: error })
        );
      }

      io.stdout.write(banner(started.joinery, config));
      if (started.sandbox) {
        const keyShown = started.joinery.generatedSecretKey !== null;
        io.stdout.write(tryIt(started.joinery.url, started.sandbox.url, demoToken, keyShown));
        if (sandboxModule) io.stdout.write(otherProviders(sandboxTokens(sandboxModule)));
      }
      io.stdout.write('\nPress Ctrl-C to stop.\n');

      await whenAborted(stop.signal);
      io.stdout.write('\nStopping Joinery…\n');
    } catch (error) {
      failure = { error };
    }
    stop.dispose();
    const closed = await shutDown(started, io);
    if (failure) throw failure.error;
    if (!closed) return EXIT_FAILURE;
    io.stdout.write('Stopped.\n');
    return EXIT_OK;
  },
};

interface Started {
  sandbox?: Sandbox;
  joinery?: RunningJoinery;
}

/** Closes whatever started, Joinery first (it may be mid-call to the sandbox); false on failure. */
async function shutDown(started: Started, io: CliIo): Promise<boolean> {
  let ok = true;
  for (const [name, service] of [
    ['Joinery', started.joinery],
    ['the sandbox', started.sandbox],
  ] as const) {
    try {
      await service?.close();
    } catch (error) {
      ok = false;
      io.stderr.write(`error: closing ${name} failed: ${describe(error)}\n`);
    }
  }
  return ok;
}

function banner(running: RunningJoinery, config: JoineryConfig): string {
  const lines = [
    `Joinery is running at ${running.url}`,
    // The database URL may hold a password: only the embedded store's directory is shown.
    `  store: ${running.store === 'pglite' ? `pglite (embedded, data in ${config.dataDir})` : 'postgres'}`,
  ];
  if (running.generatedSecretKey !== null) {
    lines.push(
      '',
      'A secret key was generated for the API. It will not be shown again: copy it now.',
      'Commands and SDKs read it from JOINERY_SECRET_KEY; HTTP clients send it as "Authorization: Bearer <key>".',
      '',
      `  export JOINERY_SECRET_KEY=${running.generatedSecretKey}`,
    );
  } else {
    lines.push(
      '  secret key: the one already set (JOINERY_SECRET_KEY, or printed on first start); `joinery secret-key rotate` replaces it',
    );
  }
  return `${lines.join('\n')}\n`;
}

function tryIt(
  joineryUrl: string,
  sandboxUrl: string,
  demoToken: string,
  keyShown: boolean,
): string {
  const auth = '-H "Authorization: Bearer $JOINERY_SECRET_KEY"';
  const json = "-H 'Content-Type: application/json'";
  return `
Demo: a fake GitHub runs at ${sandboxUrl}/github; the integration "${DEMO_INTEGRATION}" points at it.
Try it in another shell, with JOINERY_SECRET_KEY exported${keyShown ? ' as above' : ''}:

  export JOINERY_URL=${joineryUrl}
  export GITHUB_TOKEN=${demoToken}
  joinery connect ${DEMO_INTEGRATION} --tenant demo --api-key-env GITHUB_TOKEN
  joinery call <connection id> list_repositories
  joinery logs

Or with curl:

  curl -s ${auth} ${json} -X POST $JOINERY_URL/v1/connections \\
    -d '{"integration":"${DEMO_INTEGRATION}","tenant":"demo","credentials":{"type":"api_key","apiKey":"${demoToken}"}}'
  curl -s ${auth} ${json} -X POST $JOINERY_URL/v1/connections/<connection id>/actions/list_repositories -d '{"input":{}}'
  curl -s ${auth} "$JOINERY_URL/v1/logs?limit=10"
`;
}

type SandboxModule = typeof sandboxApi;

/**
 * The demo's integrations: GitHub, Slack, HubSpot and Salesforce, each pointed at its sandbox.
 * The last three also get the sandbox's OAuth client, so the Connect page works end to end.
 */
function demoIntegrations(sandboxUrl: string, sandbox: SandboxModule): SeedIntegration[] {
  const local = { allowPrivateNetwork: true };
  return [
    { key: DEMO_INTEGRATION, connector: 'github', baseUrl: `${sandboxUrl}/github`, ...local },
    {
      key: 'slack-sandbox',
      connector: 'slack',
      baseUrl: `${sandboxUrl}/slack/api`,
      ...local,
      oauth: {
        clientId: sandbox.SLACK_DEMO_CLIENT_ID,
        clientSecret: sandbox.SLACK_DEMO_CLIENT_SECRET,
        authorizationUrl: `${sandboxUrl}/slack/oauth/v2/authorize`,
        tokenUrl: `${sandboxUrl}/slack/api/oauth.v2.access`,
      },
    },
    {
      key: 'hubspot-sandbox',
      connector: 'hubspot',
      baseUrl: `${sandboxUrl}/hubspot`,
      ...local,
      oauth: {
        clientId: sandbox.HUBSPOT_DEMO_CLIENT_ID,
        clientSecret: sandbox.HUBSPOT_DEMO_CLIENT_SECRET,
        authorizationUrl: `${sandboxUrl}/hubspot/oauth/authorize`,
        tokenUrl: `${sandboxUrl}/hubspot/oauth/v1/token`,
      },
    },
    {
      key: 'salesforce-sandbox',
      connector: 'salesforce',
      baseUrl: `${sandboxUrl}/salesforce`,
      ...local,
      oauth: {
        clientId: sandbox.SALESFORCE_DEMO_CLIENT_ID,
        clientSecret: sandbox.SALESFORCE_DEMO_CLIENT_SECRET,
        authorizationUrl: `${sandboxUrl}/salesforce/services/oauth2/authorize`,
        tokenUrl: `${sandboxUrl}/salesforce/services/oauth2/token`,
      },
    },
  ];
}

function sandboxTokens(sandbox: SandboxModule): { key: string; token: string }[] {
  return [
    { key: 'slack-sandbox', token: sandbox.SLACK_DEMO_TOKEN },
    { key: 'hubspot-sandbox', token: sandbox.HUBSPOT_DEMO_TOKEN },
    { key: 'salesforce-sandbox', token: sandbox.SALESFORCE_DEMO_TOKEN },
  ];
}

function otherProviders(tokens: { key: string; token: string }[]): string {
  const lines = tokens.map(
    ({
      key,
      token,
    }) => `  curl -s ${'-H "Authorization: Bearer $JOINERY_SECRET_KEY"'} -H 'Content-Type: application/json' -X POST $JOINERY_URL/v1/connections \\
    -d '{"integration":"${key}","tenant":"demo","credentials":{"type":"bearer","token":"${token}"}}'`,
  );
  return `
Slack, HubSpot and Salesforce sandboxes run too (integrations slack-sandbox, hubspot-sandbox,
salesforce-sandbox). Connect with their demo tokens:

${lines.join('\n')}

or through the OAuth Connect page (the sandboxes approve at once):

  curl -s -H "Authorization: Bearer $JOINERY_SECRET_KEY" -H 'Content-Type: application/json' -X POST $JOINERY_URL/v1/connect-sessions \\
    -d '{"integration":"hubspot-sandbox","tenant":"demo"}'      # open the "url" it returns in a browser
`;
}

function parsePort(flag: string, value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new UsageError(
      `${flag} takes a port number from 0 to 65535, not ${JSON.stringify(value)}.`,
      spec.name,
    );
  }
  return port;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
