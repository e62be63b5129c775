import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'joinery.lock';

interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked';
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo | null,
  ) {
    super(
      holder
        ? `the data directory ${dataDir} is in use by Joinery process ${holder.pid} on ${holder.hostname} (started ${holder.startedAt}). ` +
            `The embedded store (PGlite) allows one process only: stop that process, or start this one with another JOINERY_DATA_DIR, ` +
            `or use PostgreSQL (JOINERY_DATABASE_URL) to run several processes.`
        : `the data directory ${dataDir} is locked (${join(dataDir, LOCK_FILE)}) and the lock cannot be read. ` +
            `If no Joinery process uses it, remove that file and start again.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number') return null;
    return {
      pid: parsed.pid,
      hostname: String(parsed.hostname ?? 'unknown host'),
      startedAt: String(parsed.startedAt ?? 'unknown time'),
    };
  } catch {
    return null;
  }
}

/**
 * Takes the data directory for this process. Two processes on one PGlite directory corrupt it, so a
 * second one is refused; a lock left by a dead process on this host is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(path);
      const stale = holder !== null && holder.hostname === info.hostname && !isAlive(holder.pid);
      if (!stale || attempt > 0) throw new DataDirLockedError(dataDir, holder);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify(info));
    closeSync(fd);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        // Only remove the lock if it is still ours.
        if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw new DataDirLockedError(dataDir, readLock(path));
}
