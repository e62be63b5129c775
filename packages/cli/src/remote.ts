// What every command that talks to a running Joinery shares: where it is, the key, the client.
import { createClient, isJoineryError, type JoineryClient } from '@joinery/sdk';
import { UsageError, type OptionSpec } from './command.js';
import type { CliIo } from './io.js';

export const DEFAULT_PORT = 3003;
export const DEFAULT_HOST = '127.0.0.1';

export const urlOption = {
  type: 'string',
  value: 'URL',
  description: `Joinery's URL (default: JOINERY_URL, else http://$JOINERY_HOST:$JOINERY_PORT, else http://${DEFAULT_HOST}:${DEFAULT_PORT})`,
} as const satisfies OptionSpec;

export const jsonOption = {
  type: 'boolean',
  description: 'print JSON, for scripts, instead of text',
} as const satisfies OptionSpec;

export const remoteEnvironment = [
  [
    'JOINERY_SECRET_KEY',
    'the API secret key (required; never taken from a flag, so it stays out of ps)',
  ],
  ['JOINERY_URL', "Joinery's URL, unless --url is given"],
] as const;

/**
 * `--url`, else `JOINERY_URL`, else the address `joinery start` listens on by default. A server
 * bound to every interface (0.0.0.0, ::) is reached on loopback.
 */
export function resolveUrl(env: CliIo['env'], flag: string | undefined): string {
  const source = flag !== undefined ? '--url' : env.JOINERY_URL ? 'JOINERY_URL' : undefined;
  let url = flag ?? env.JOINERY_URL;
  if (!url) {
    let host = env.JOINERY_HOST || DEFAULT_HOST;
    if (host === '0.0.0.0') host = '127.0.0.1';
    if (host === '::') host = '::1';
    if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
    url = `http://${host}:${env.JOINERY_PORT || DEFAULT_PORT}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `${source ?? 'JOINERY_HOST/JOINERY_PORT'} gives ${JSON.stringify(url)}, which is not a URL; expected something like http://127.0.0.1:3003.`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(
      `${source ?? 'the URL'} must start with http:// or https://, not ${parsed.protocol}`,
    );
  }
  return url;
}

/** A client for the Joinery at `--url`, with the key from JOINERY_SECRET_KEY. */
export function remoteClient(io: CliIo, urlFlag: string | undefined): JoineryClient {
  const url = resolveUrl(io.env, urlFlag);
  const secretKey = io.env.JOINERY_SECRET_KEY?.trim();
  if (!secretKey) {
    throw new UsageError(
      [
        'JOINERY_SECRET_KEY is not set. Commands that call the API read the secret key from this',
        'environment variable only (a flag would show it in ps and shell history):',
        '  export JOINERY_SECRET_KEY=<the key `joinery start` printed on first start>',
        'Lost it? Stop the server and run `joinery secret-key rotate` for a new one.',
      ].join('\n'),
    );
  }
  try {
    return createClient({ url, secretKey });
  } catch (error) {
    // The SDK names its own option (`secretKey`); here the user knows it as the variable.
    if (isJoineryError(error) && error.code === 'invalid_input') {
      throw new UsageError(`JOINERY_SECRET_KEY cannot be used: ${error.message}`);
    }
    throw error;
  }
}
