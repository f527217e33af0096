import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors.js';

export const LOCKFILE = 'unjucks-lock.json';

export interface LockedPackage {
  version: string;
  resolved: string;
  integrity: string;
  /** Every written file, relative to the install folder, with the sha512 SRI of its contents. */
  files: Record<string, string>;
}

export interface Lockfile {
  lockfileVersion: 1;
  packages: Record<string, LockedPackage>;
}

export async function readLockfile(dir: string): Promise<Lockfile> {
  const path = join(dir, LOCKFILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lockfileVersion: 1, packages: {} };
    throw e;
  }
  try {
    const lock = JSON.parse(text) as Lockfile;
    if (lock.lockfileVersion !== 1 || typeof lock.packages !== 'object') throw new Error('unknown lockfile version');
    return lock;
  } catch (e) {
    throw new CliError(`${path} is not a valid lockfile (${(e as Error).message}); restore it from version control`);
  }
}

export async function writeLockfile(dir: string, lock: Lockfile): Promise<void> {
  const sorted: Lockfile = {
    lockfileVersion: 1,
    packages: Object.fromEntries(Object.keys(lock.packages).sort().map((k) => [k, lock.packages[k]!])),
  };
  const path = join(dir, LOCKFILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(sorted, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** Which package owns each written file. */
export function ownersOf(lock: Lockfile): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [name, p] of Object.entries(lock.packages)) for (const f of Object.keys(p.files)) owners.set(f, name);
  return owners;
}
