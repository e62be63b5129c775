/**
 * What every benchmark's `main` does, in one place: read the flags (or print `--help`), run with a
 * hard cap, stop every child process it started even when the run fails or is interrupted, then
 * print the table (stderr) and the JSON (stdout) and write `bench/results/<name>.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StartedChild } from './child-process.js';
import { round } from './stats.js';

export const resultsDir = fileURLToPath(new URL('../results', import.meta.url));

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * What every report starts with: which benchmark, when, on what. Call it at the start of a run:
 * a load average above the core count means something else was busy and the figures are rough.
 */
export function describeRun(benchmark: string) {
  return {
    benchmark,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: loadavg().map((n) => round(n, 2)),
  };
}

/** Table cells: right-aligned text, and numbers with a fixed count of decimals. */
export const pad = (value: string | number, width: number): string => String(value).padStart(width);
export const fmt = (n: number, digits = 2): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A flag's value as a positive number; the message names the flag and points at `--help`. */
export function positiveFlag(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `--${flag} "${raw}" is not a positive ${integer ? 'integer' : 'number'}; see --help`,
    );
  }
  return value;
}

/** A flag's value as a fraction from 0 to 1 inclusive. */
export function fractionFlag(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new Error(`--${flag} "${raw}" is not a number from 0 to 1; see --help`);
  return value;
}

export interface RunContext {
  /** Registers a started child: stopped when the run ends, killed if the cap or Ctrl-C hits. */
  track: <T>(child: StartedChild<T>) => StartedChild<T>;
  /** Runs after every child has stopped (temporary directories, databases), last one first. */
  onCleanup: (cleanup: () => Promise<void>) => void;
}

export interface Benchmark<S, R> {
  /** File name of the results (`bench/results/<name>.json`) and the prefix of messages. */
  name: string;
  help: string;
  /** The settings, or null when `--help` was asked for; throws with a message for a bad flag. */
  parseSettings(argv: string[]): S | null;
  /** The run cannot take longer than this: start-up budget plus every phase at its own limit. */
  hardCapSeconds(settings: S): number;
  measure(settings: S, context: RunContext): Promise<R>;
  table(report: R): string;
}

export async function runBenchmark<S, R>(benchmark: Benchmark<S, R>): Promise<void> {
  const { name } = benchmark;
  let settings: S | null;
  try {
    settings = benchmark.parseSettings(process.argv.slice(2));
  } catch (error) {
    log((error as Error).message);
    process.exitCode = 64;
    return;
  }
  if (!settings) {
    log(benchmark.help);
    return;
  }

  const children: StartedChild<unknown>[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const killAll = () => {
    for (const child of children) child.process.kill('SIGKILL');
  };
  const capSeconds = benchmark.hardCapSeconds(settings);
  const cap = setTimeout(() => {
    log(`${name}: stopped at its hard cap of ${capSeconds} s; no result was written`);
    killAll();
    process.exit(3);
  }, capSeconds * 1000);
  cap.unref();
  process.once('SIGINT', () => {
    log(`${name}: interrupted`);
    killAll();
    process.exit(130);
  });

  try {
    const report = await benchmark.measure(settings, {
      track(child) {
        children.push(child);
        return child;
      },
      onCleanup(cleanup) {
        cleanups.push(cleanup);
      },
    });
    process.stderr.write(benchmark.table(report));
    const json = `${JSON.stringify(report, null, 2)}\n`;
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `${name}.json`);
    await writeFile(file, json);
    process.stdout.write(json);
    log(`written to ${file}`);
  } catch (error) {
    log(`${name}: the run failed before it could measure anything: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    // Reverse start order: a process that relays to another stops before the one it relays to.
    for (const child of [...children].reverse()) await child.stop();
    for (const cleanup of [...cleanups].reverse()) {
      await cleanup().catch((error: unknown) =>
        log(`${name}: cleanup failed: ${(error as Error).message}`),
      );
    }
    clearTimeout(cap);
  }
}
