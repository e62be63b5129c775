// Secrets reach the CLI through an environment variable or stdin, never argv: argv shows in `ps`,
// in shell history and in CI logs.
import { UsageError } from './command.js';
import type { CliIo } from './io.js';
import { readAll } from './read-all.js';

/** Far more than any API key, token or password; stops `cat big-file |` from being read whole. */
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * The value of the environment variable named by `flag`. The name is only repeated in messages
 * when it looks like one (UPPER_CASE): a user who passed the secret itself where the name goes
 * must not see it printed back.
 */
export function secretFromEnv(io: CliIo, flag: string, name: string, command: string): string {
  const looksLikeName = /^[A-Z_][A-Z0-9_]{0,63}$/.test(name);
  const value = io.env[name];
  if (value === undefined || value === '') {
    throw new UsageError(
      looksLikeName
        ? `${flag} names the environment variable ${name}, which is not set (or is empty). Set it first: export ${name}=…`
        : `${flag} takes the NAME of an environment variable (such as GITHUB_TOKEN), and no variable of the name given is set. The value is not shown here in case it is the secret itself; if so, put it in a variable instead.`,
      command,
    );
  }
  return value;
}

/** All of stdin, less one trailing line break, as `echo "$TOKEN" | joinery connect …` adds one. */
export async function secretFromStdin(io: CliIo, what: string, command: string): Promise<string> {
  if (io.stdin.isTTY) io.stderr.write(`Reading the ${what} from stdin; end with Ctrl-D.\n`);
  const text = await readAll(io.stdin, MAX_SECRET_BYTES, `the ${what} on stdin`, command);
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new UsageError(`stdin was empty; expected the ${what}.`, command);
  return value;
}
