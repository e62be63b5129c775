import type { CliIo } from './io.js';

export interface StopSignal {
  signal: AbortSignal;
  /** Removes the process signal handlers this installed, if any. */
  dispose(): void;
}

/**
 * What ends a long-running command: `io.signal` when the caller gave one (tests, embedding), else
 * the first SIGINT or SIGTERM. Handlers are only installed for the duration of such a command, so
 * Ctrl-C keeps its default meaning everywhere else.
 */
export function stopSignal(io: CliIo): StopSignal {
  if (io.signal) return { signal: io.signal, dispose: () => {} };
  const controller = new AbortController();
  const stop = (name: NodeJS.Signals) => controller.abort(new Error(`received ${name}`));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Resolves when the signal aborts (at once if it already has). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

/** Waits `ms`, or less if the signal aborts first; answers false when it was cut short. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
