import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataDirLockedError extends Error {}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
}

/**
 * Takes `DATA_DIR/.lock` for this process. PGlite has no lock between processes and two writers
 * corrupt its files, so a second process must refuse to open the same folder. A lock left behind by
 * a process that no longer runs (a crash, kill -9) is taken over.
 */
export function acquireDataDirLock(
  dataDir: string,
  isAlive: (pid: number) => boolean = processIsAlive,
): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, '.lock');
  const me: LockOwner = { pid: process.pid, host: hostname() };

  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return {
        path,
        release() {
          const owner = readOwner(path);
          if (owner?.pid === me.pid && owner.host === me.host) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner && owner.host === me.host && owner.pid !== me.pid && isAlive(owner.pid)) {
      throw new DataDirLockedError(
        `The data folder ${dataDir} is in use by another Stock Tracker process (pid ${owner.pid}). Stop it first, or set DATA_DIR to another folder.`,
      );
    }
    if (owner && owner.host !== me.host) {
      throw new DataDirLockedError(
        `The data folder ${dataDir} is locked by a process on host ${owner.host} (pid ${owner.pid}). PGlite data cannot be shared between machines.`,
      );
    }
    // Stale (its process is gone) or unreadable: remove it and race for it again with 'wx'.
    rmSync(path, { force: true });
  }
  throw new DataDirLockedError(`Could not take the lock ${path}: another process keeps taking it.`);
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string')
      return { pid: parsed.pid, host: parsed.host };
  } catch {
    // A half-written or foreign file is treated as stale.
  }
  return undefined;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
