import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is one process at a time: two processes on one data folder corrupt it. Whoever opens the
 * embedded database (the server, or a CLI command while the server is down) holds this lock file.
 */
export interface LockInfo {
  pid: number;
  /** Set by a running server, so the CLI can talk to it instead of opening the database. */
  url?: string;
  what: string;
}

const lockPath = (dataDir: string) => join(dataDir, 'embedded.lock');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The live holder of the lock, or null (a lock left by a dead process does not count). */
export function readLock(dataDir: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    return alive(info.pid) && info.pid !== process.pid ? info : null;
  } catch {
    return null;
  }
}

export class EmbeddedLockError extends Error {
  constructor(readonly holder: LockInfo) {
    super(
      `the embedded database in this DATA_DIR is in use by ${holder.what} (pid ${holder.pid})` +
        (holder.url ? ` at ${holder.url}` : '') +
        '; stop it first, or set DATABASE_URL to use Postgres, which many processes can share',
    );
  }
}

export interface Lock {
  update(info: Partial<LockInfo>): void;
  release(): void;
}

export function acquireLock(dataDir: string, what: string): Lock {
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  let info: LockInfo = { pid: process.pid, what };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
      const holder = readLock(dataDir);
      if (holder) throw new EmbeddedLockError(holder);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
      if (current.pid === process.pid) rmSync(path, { force: true });
    } catch {
      /* already gone */
    }
  };
  process.once('exit', release);
  return {
    update(more) {
      info = { ...info, ...more };
      writeFileSync(path, JSON.stringify(info));
    },
    release,
  };
}
