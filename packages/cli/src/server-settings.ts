// `start` and `secret-key rotate` hand their flags to @joinery/server as the settings they override,
// so the server's one validated config loader (loadConfig) judges every value, whichever the source.

export type SettingName =
  'JOINERY_PORT' | 'JOINERY_HOST' | 'JOINERY_DATA_DIR' | 'JOINERY_DATABASE_URL';

/** The environment, with each flag that was given taking the place of its setting. */
export function settingsFromFlags(
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
 * A configuration mistake from loadConfig. Matched by class and, for a second bundled copy of
 * the server whose class differs, by name.
 */
export function isConfigError(
  error: unknown,
  configErrorClass: abstract new (...args: never[]) => Error,
): error is Error {
  return (
    error instanceof configErrorClass || (error instanceof Error && error.name === 'ConfigError')
  );
}
