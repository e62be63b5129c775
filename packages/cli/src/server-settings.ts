// `start`, `worker` and `secret-key rotate` hand their flags to @joinery/server as the settings they
// override, so the server's one validated config loader (loadConfig) judges every value, whichever
// the source.
import type * as serverApi from '@joinery/server';
import type { JoineryConfig } from '@joinery/server';
import { UsageError, type OptionSpec } from './command.js';

export type SettingName =
  'JOINERY_PORT' | 'JOINERY_HOST' | 'JOINERY_DATA_DIR' | 'JOINERY_DATABASE_URL';

type ServerModule = typeof serverApi;

/** `--data-dir D`, as every command that opens the store takes it. */
export const dataDirOption = {
  type: 'string',
  value: 'D',
  description: 'embedded database directory (JOINERY_DATA_DIR; default ./.joinery)',
} as const satisfies OptionSpec;

/** The environment, with each flag that was given taking the place of its setting. */
function settingsFromFlags(
  env: Readonly<Record<string, string | undefined>>,
  flags: Partial<Record<SettingName, string | undefined>>,
): Record<string, string | undefined> {
  const settings: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(flags)) {
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}

/**
 * Loads the server (only the commands that run it pay for the import) and its validated config
 * from the environment with `flags` on top. A configuration mistake is a UsageError of `command`.
 */
export async function loadServerConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: Partial<Record<SettingName, string | undefined>>,
  command: string,
): Promise<{ server: ServerModule; config: JoineryConfig }> {
  const settings = settingsFromFlags(env, flags);
  const server = await import('@joinery/server');
  try {
    return { server, config: server.loadConfig(settings) };
  } catch (error) {
    throw configMistake(error, server, command) ?? error;
  }
}

/** `error` as a UsageError of `command` when it is a configuration mistake; undefined otherwise. */
export function configMistake(
  error: unknown,
  server: ServerModule,
  command: string,
): UsageError | undefined {
  return isConfigError(error, server.ConfigError)
    ? new UsageError(error.message, command)
    : undefined;
}

/**
 * A configuration mistake from loadConfig. Matched by class and, for a second bundled copy of
 * the server whose class differs, by name.
 */
function isConfigError(
  error: unknown,
  configErrorClass: abstract new (...args: never[]) => Error,
): error is Error {
  return (
    error instanceof configErrorClass || (error instanceof Error && error.name === 'ConfigError')
  );
}
