// Two real `joinery start` processes on one embedded data directory: the second must refuse.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function start(dataDir: string): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH ?? '', JOINERY_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the embedded data directory', { timeout: 120_000 }, () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('refuses a second process with a message naming the directory and the holder, and leaves the first running', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'joinery-lock-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = start(dataDir);
    cleanup.push(async () => {
      first.child.kill('SIGTERM');
      await first.exited;
    });
    await waitFor(() => first.output().includes('Joinery is running'), 90_000);

    const second = start(dataDir);
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(second.output()).toContain(dataDir);
    expect(second.output()).toContain(`in use by Joinery process ${first.child.pid}`);
    expect(first.child.exitCode).toBeNull(); // the first one is unharmed

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Once the holder has stopped, the directory can be opened again.
    const third = start(dataDir);
    cleanup.push(async () => {
      third.child.kill('SIGTERM');
      await third.exited;
    });
    await waitFor(() => third.output().includes('Joinery is running'), 90_000);
  });
});
