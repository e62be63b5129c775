// In-process harness for the CLI's tests: run `joinery …` with captured output.
import { Readable } from 'node:stream';
import { startScriptedJoinery, type Script, type ScriptedJoinery } from '@joinery/sdk/testing';
import { afterEach } from 'vitest';
import type { CliIo } from './io.js';
import { run } from './run.js';

/** The API key the commands under test send; the scripted servers accept any. */
export const TEST_KEY = 'jny_sk_test_0123456789abcdef0123456789';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** What stdin yields; defaults to nothing (immediate end). */
  stdin?: string;
  signal?: AbortSignal;
  /** Called with each chunk written to stdout, as it is written. */
  onStdout?: (chunk: string) => void;
}

export async function cli(argv: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        options.onStdout?.(chunk);
        return true;
      },
    },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: options.env ?? {},
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

export interface Served {
  server: ScriptedJoinery;
  /** Points `joinery` at the server, with `TEST_KEY`. */
  env: { JOINERY_SECRET_KEY: string; JOINERY_URL: string };
}

/**
 * Called once at the top of a test file: answers `serve(script)`, which starts a scripted Joinery
 * on loopback for one test; it is closed after that test.
 */
export function scriptedJoinery(): (script: Script) => Promise<Served> {
  let server: ScriptedJoinery | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return async (script) => {
    server = await startScriptedJoinery(script);
    return { server, env: { JOINERY_SECRET_KEY: TEST_KEY, JOINERY_URL: server.url } };
  };
}
