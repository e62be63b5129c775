/** Where a command reads and writes. `bin.ts` passes the process's own; tests pass buffers. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
  /**
   * Stops the long-running commands (`start`, `logs --follow`) as SIGINT would. Without it they
   * listen for SIGINT and SIGTERM themselves.
   */
  signal?: AbortSignal;
}

/** Exit codes: 0 done, 1 the operation failed (API error, server error), 2 bad invocation. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
