import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * How a bench child process ends: on SIGTERM/SIGINT, when its parent goes away (stdin closes),
 * or after a lifetime cap, always through `stop` so that `--cpu-prof` gets to write its profile.
 */
export function endWithParent(stop: () => Promise<void>, maxLifetimeMs: number): void {
  let ending = false;
  const end = (reason: string, code: number) => {
    if (ending) return;
    ending = true;
    if (code !== 0) process.stderr.write(`${reason}; stopping\n`);
    // A stop that hangs must not keep an orphan alive.
    setTimeout(() => process.exit(code), 8_000).unref();
    stop().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => end('SIGTERM', 0));
  process.once('SIGINT', () => end('SIGINT', 0));
  // The parent holds our stdin; if it dies (even by SIGKILL) the pipe closes and we follow.
  process.stdin.once('close', () => end('the parent process went away', 0));
  process.stdin.resume();
  setTimeout(
    () => end(`lifetime cap of ${maxLifetimeMs / 1000} s reached`, 2),
    maxLifetimeMs,
  ).unref();
}

/** The one line a child prints on stdout when it is ready; everything else on stdout is log noise. */
export function announceReady(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ benchReady: message })}\n`);
}

/**
 * A child's one result, printed on stdout when its work is done (see `StartedChild.result`); the
 * parent stops the child afterwards.
 */
export function announceResult(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ benchResult: message })}\n`);
}

/**
 * Resolves when the parent writes `go` on our stdin (`StartedChild.send('go')`), so that several
 * children that took different times to start begin their work at the same moment.
 */
export function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    // Left open: closing it would pause stdin, and `endWithParent` needs to see stdin close.
    createInterface({ input: process.stdin }).on('line', (line) => {
      if (line.trim() === 'go') resolve();
    });
  });
}

/** Reads the lifetime cap a parent passes down; a child that outlives its parent's cap is a bug. */
export function lifetimeFromEnv(): number {
  const seconds = Number(process.env.BENCH_CHILD_MAX_SECONDS ?? '300');
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 300) * 1000;
}

/**
 * A bench server child's whole life: listen on 127.0.0.1 (a free port), announce
 * `{"port": number}` (see `readyOnPort`), and close every connection when the parent goes.
 */
export function serveUntilParentGoes(server: Server): void {
  server.listen(0, '127.0.0.1', () => {
    announceReady({ port: (server.address() as AddressInfo).port });
  });
  endWithParent(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    lifetimeFromEnv(),
  );
}
