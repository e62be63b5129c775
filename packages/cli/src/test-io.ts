// In-process harness for the CLI's tests: run `joinery …` with captured output.
import { Readable } from 'node:stream';
import type { CliIo } from './io.js';
import { run } from './run.js';

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
