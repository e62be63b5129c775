import {
  isJoineryError,
  JoineryError,
  type Connection,
  type ConnectSession,
  type Credentials,
} from '@joinery/sdk';
import {
  parseCommand,
  UsageError,
  type Command,
  type CommandSpec,
  type OptionValues,
} from '../command.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { renderJson, terminalSafe } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { secretFromEnv, secretFromStdin } from '../secret-input.js';

const spec = {
  name: 'connect',
  summary:
    "Create a connection: one tenant's credentials for one integration, or a Connect page link (OAuth).",
  usage:
    'joinery connect <integration> --tenant T [--api-key-env VAR | --api-key-stdin | --token-env VAR | --token-stdin | --username U (--password-env VAR | --password-stdin)] [--json] [--url URL]',
  description: [
    'The secret is read from an environment variable or from stdin, never from the command line',
    '(arguments show in ps and in shell history). Give exactly one source.',
    'With no credential option (an OAuth integration), it prints a Connect page link instead: open',
    'it, or send it to the tenant, to sign in at the provider; the connection is created then.',
  ].join('\n'),
  arguments: [['integration', 'the integration key, e.g. github-sandbox']],
  options: {
    tenant: {
      type: 'string',
      value: 'T',
      description: 'the tenant (your customer) it belongs to; required',
    },
    'api-key-env': {
      type: 'string',
      value: 'VAR',
      description: 'API key credentials, read from the variable VAR',
    },
    'api-key-stdin': { type: 'boolean', description: 'API key credentials, read from stdin' },
    'token-env': {
      type: 'string',
      value: 'VAR',
      description: 'bearer token credentials, read from the variable VAR',
    },
    'token-stdin': { type: 'boolean', description: 'bearer token credentials, read from stdin' },
    username: {
      type: 'string',
      value: 'U',
      description: 'basic credentials: the user name (not secret)',
    },
    'password-env': {
      type: 'string',
      value: 'VAR',
      description: 'basic credentials: the password, read from the variable VAR',
    },
    'password-stdin': {
      type: 'boolean',
      description: 'basic credentials: the password, read from stdin',
    },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: [
    'export GITHUB_TOKEN=ghp_sandbox_demo_token',
    'joinery connect github-sandbox --tenant acme --api-key-env GITHUB_TOKEN',
    'pass show acme/zendesk | joinery connect zendesk --tenant acme --username ops@acme.test --password-stdin',
    'joinery connect hubspot --tenant acme    # prints a Connect page link',
  ],
} as const satisfies CommandSpec;

type Values = OptionValues<typeof spec.options>;

export const connectCommand: Command = {
  spec,
  async run(argv, io) {
    const { values, positionals } = parseCommand(spec, argv);
    const [integration] = positionals;
    if (integration === undefined) {
      throw new UsageError(
        'which integration? Give its key: joinery connect <integration> --tenant T …',
        spec.name,
      );
    }
    if (values.tenant === undefined || values.tenant === '') {
      throw new UsageError(
        '--tenant T is required: the tenant (your customer) this connection belongs to.',
        spec.name,
      );
    }
    const client = remoteClient(io, values.url);
    if (!hasCredentialOption(values)) {
      const session = await client.connectSessions.create({ integration, tenant: values.tenant });
      io.stdout.write(values.json ? renderJson(session) : describeSession(session, integration));
      return EXIT_OK;
    }
    const credentials = await readCredentials(values, io);
    let connection: Connection;
    try {
      connection = await client.connections.create({
        integration,
        tenant: values.tenant,
        credentials,
      });
    } catch (error) {
      throw withoutSecret(error, secretOf(credentials));
    }
    io.stdout.write(values.json ? renderJson(connection) : describeCreated(connection));
    return EXIT_OK;
  },
};

function hasCredentialOption(values: Values): boolean {
  return (
    values['api-key-env'] !== undefined ||
    values['api-key-stdin'] === true ||
    values['token-env'] !== undefined ||
    values['token-stdin'] === true ||
    values['password-env'] !== undefined ||
    values['password-stdin'] === true ||
    values.username !== undefined
  );
}

function describeSession(session: ConnectSession, integration: string): string {
  const expires = 'expiresAt' in session ? ` It expires at ${String(session.expiresAt)}.` : '';
  const lines = [
    `Open this link (or send it to the tenant) to connect ${integration} by signing in at the provider:`,
    session.url,
    `The link works once.${expires} Then see the connection with: joinery connections`,
  ];
  return lines.map((line) => `${terminalSafe(line)}\n`).join('');
}

async function readCredentials(values: Values, io: CliIo): Promise<Credentials> {
  const sources = [
    values['api-key-env'] !== undefined && '--api-key-env',
    values['api-key-stdin'] === true && '--api-key-stdin',
    values['token-env'] !== undefined && '--token-env',
    values['token-stdin'] === true && '--token-stdin',
    values['password-env'] !== undefined && '--password-env',
    values['password-stdin'] === true && '--password-stdin',
  ].filter((source): source is string => source !== false);
  if (sources.length !== 1) {
    throw new UsageError(
      `${sources.length === 0 ? 'no credentials given' : `choose one source of credentials, not ${sources.join(' and ')}`}: use one of --api-key-env VAR, --api-key-stdin, --token-env VAR, --token-stdin, or --username U with --password-env VAR or --password-stdin.`,
      spec.name,
    );
  }
  const isPassword = values['password-env'] !== undefined || values['password-stdin'] === true;
  if (isPassword !== (values.username !== undefined)) {
    throw new UsageError(
      isPassword
        ? 'basic credentials need --username U as well as the password.'
        : '--username goes with --password-env VAR or --password-stdin.',
      spec.name,
    );
  }

  if (values['api-key-env'] !== undefined) {
    return {
      type: 'api_key',
      apiKey: secretFromEnv(io, '--api-key-env', values['api-key-env'], spec.name),
    };
  }
  if (values['api-key-stdin']) {
    return { type: 'api_key', apiKey: await secretFromStdin(io, 'API key', spec.name) };
  }
  if (values['token-env'] !== undefined) {
    return {
      type: 'bearer',
      token: secretFromEnv(io, '--token-env', values['token-env'], spec.name),
    };
  }
  if (values['token-stdin']) {
    return { type: 'bearer', token: await secretFromStdin(io, 'token', spec.name) };
  }
  const password =
    values['password-env'] !== undefined
      ? secretFromEnv(io, '--password-env', values['password-env'], spec.name)
      : await secretFromStdin(io, 'password', spec.name);
  return { type: 'basic', username: values.username ?? '', password };
}

function describeCreated(connection: Connection): string {
  const lines = [
    `Created connection ${connection.id} (integration ${connection.integration}, tenant ${connection.tenant}): ${connection.state}`,
  ];
  if (connection.lastError) {
    lines.push(`  last error: ${connection.lastError.code}: ${connection.lastError.message}`);
  }
  lines.push(
    `Its actions: joinery connectors ${connection.connector}`,
    `Run one:     joinery call ${connection.id} <action> --input '{...}'`,
  );
  return lines.map((line) => `${terminalSafe(line)}\n`).join('');
}

/** The secret this command read, for redaction; client credentials carry none. */
function secretOf(credentials: Credentials): string {
  switch (credentials.type) {
    case 'oauth2_client_credentials':
      return '';
    case 'api_key':
      return credentials.apiKey;
    case 'bearer':
      return credentials.token;
    case 'basic':
      return credentials.password;
  }
}

/**
 * The error with the credential cut out of its message and details. A provider or server that
 * echoes what it was sent (a validation error quoting the body) must not put it on screen.
 */
function withoutSecret(error: unknown, secret: string): unknown {
  if (!isJoineryError(error) || secret === '') return error;
  const redact = (text: string) => text.split(secret).join('[redacted]');
  const redactDeep = (value: unknown): unknown =>
    typeof value === 'string'
      ? redact(value)
      : Array.isArray(value)
        ? value.map(redactDeep)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v)]))
          : value;
  const details =
    error.details === undefined
      ? undefined
      : (redactDeep(error.details) as Record<string, unknown>);
  return new JoineryError({
    code: error.code,
    message: redact(error.message),
    retryable: error.retryable,
    status: error.status,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.connectionId === undefined ? {} : { connectionId: error.connectionId }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(details === undefined ? {} : { details }),
  });
}
