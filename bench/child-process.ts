/**
 * Starts a bench child (`node <script>`), waits for its `{"benchReady": …}` line, and stops it for
 * sure: SIGTERM first (so a CPU profile gets written), SIGKILL if it has not gone in time. A child
 * that does a piece of work (a load generator) can be told to start (`send('go')`) and report
 * once with a `{"benchResult": …}` line (`result()`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StartedChild<T> {
  name: string;
  ready: T;
  process: ChildProcess;
  /** Idempotent; resolves once the process has exited. */
  stop(): Promise<void>;
  /** Writes one line to the child's stdin, e.g. `go` for a child waiting in `waitForGo()`. */
  send(line: string): void;
  /**
   * The child's `{"benchResult": …}` message, checked by `parse`. Rejects if the child exits
   * without one or `timeoutMs` passes first.
   */
  result<R>(parse: (message: unknown) => R, timeoutMs: number): Promise<R>;
}

export interface ChildOptions<T> {
  name: string;
  script: string;
  args?: string[];
  /** Extra node flags, e.g. `--cpu-prof`. */
  execArgv?: string[];
  env?: Record<string, string>;
  /** How long start-up may take. */
  readyTimeoutMs: number;
  /** Validates the ready message; throws with a message when it is not what the parent expects. */
  parseReady(message: unknown): T;
}

/** How long a SIGTERM gets before SIGKILL; a CPU profile of a busy minute takes a moment to write. */
const STOP_GRACE_MS = 10_000;

export function startChild<T>(options: ChildOptions<T>): Promise<StartedChild<T>> {
  const child = spawn(
    process.execPath,
    [...(options.execArgv ?? []), options.script, ...(options.args ?? [])],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  );
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(killer);
      }
      child.stdin?.destroy();
    })());

  // The child's logs go to our stderr, prefixed, so stdout stays one JSON document.
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    process.stderr.write(`[${options.name}] ${line}\n`);
  });
  const tail = () =>
    stderrTail.length ? `\n  last stderr lines:\n  ${stderrTail.join('\n  ')}` : '';

  let reportResult: (message: unknown) => void = () => undefined;
  const resultMessage = new Promise<unknown>((resolve, reject) => {
    reportResult = resolve;
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `${options.name} exited without a result (code ${code}, signal ${signal})${tail()}`,
        ),
      ),
    );
  });
  // Most children never report a result; their exit must not count as an unhandled rejection.
  resultMessage.catch(() => undefined);
  const result = async <R>(parse: (message: unknown) => R, timeoutMs: number): Promise<R> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${options.name}: no result after ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    try {
      return parse(await Promise.race([resultMessage, timeout]));
    } finally {
      clearTimeout(timer);
    }
  };
  const send = (line: string) => {
    if (child.stdin && !child.stdin.destroyed) child.stdin.write(`${line}\n`);
  };

  return new Promise<StartedChild<T>>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      reject(new Error(`${options.name}: ${message}${tail()}`));
    };
    const timer = setTimeout(
      () => fail(`not ready after ${options.readyTimeoutMs / 1000} s`),
      options.readyTimeoutMs,
    );
    child.once('error', (error) => fail(`could not start (${error.message})`));
    child.once('exit', (code, signal) =>
      fail(`exited before it was ready (code ${code}, signal ${signal})`),
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      const finished = taggedMessage(line, 'benchResult');
      if (finished !== undefined) {
        reportResult(finished);
        return;
      }
      const message = taggedMessage(line, 'benchReady');
      if (message === undefined) {
        process.stderr.write(`[${options.name}] ${line}\n`);
        return;
      }
      if (settled) return;
      try {
        const ready = options.parseReady(message);
        settled = true;
        clearTimeout(timer);
        resolve({ name: options.name, ready, process: child, stop, send, result });
      } catch (error) {
        fail(`its ready message was not understood: ${(error as Error).message}`);
      }
    });
  });
}

/** The payload of a `{"<tag>": …}` line (`benchReady`, `benchResult`); undefined for log noise. */
function taggedMessage(line: string, tag: 'benchReady' | 'benchResult'): unknown {
  if (!line.startsWith(`{"${tag}"`)) return undefined;
  try {
    return (JSON.parse(line) as Record<string, unknown>)[tag];
  } catch {
    return undefined;
  }
}

/** `parseReady` for a server child that announces `{"port": number}` on 127.0.0.1. */
export function readyOnPort(message: unknown): { url: string } {
  const port = (message as { port?: unknown }).port;
  if (typeof port !== 'number') throw new Error('expected {"port": number}');
  return { url: `http://127.0.0.1:${port}` };
}
