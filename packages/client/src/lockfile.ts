import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors.js';

export const LOCKFILE = 'unjucks-lock.json';

export interface LockedPackage {
  version: string;
  resolved: string;
  integrity: string;
  /** The template packages this version depends on, as its manifest declares them (name → range). */
  dependencies?: Record<string, string>;
  /** Every written file, relative to the install folder, with the sha512 SRI of its contents. */
  files: Record<string, string>;
}

/**
 * Version 2 adds the project's own requests (`dependencies`: name → range, what `install name@range`
 * asked for) and each package's dependencies, so the whole graph can be checked and replayed offline.
 * Version 1 files are read and migrated: each package was asked for directly, at `^version`.
 */
export interface Lockfile {
  lockfileVersion: 2;
  dependencies: Record<string, string>;
  packages: Record<string, LockedPackage>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const emptyLockfile = (): Lockfile => ({ lockfileVersion: 2, dependencies: {}, packages: {} });

export async function readLockfile(dir: string): Promise<Lockfile> {
  const path = join(dir, LOCKFILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyLockfile();
    throw e;
  }
  try {
    const lock = JSON.parse(text) as { lockfileVersion?: unknown; dependencies?: unknown; packages?: unknown };
    if (!isRecord(lock.packages)) throw new Error('no "packages" object');
    const packages = lock.packages as Record<string, LockedPackage>;
    if (lock.lockfileVersion === 1)
      return { lockfileVersion: 2, dependencies: Object.fromEntries(Object.entries(packages).map(([n, p]) => [n, `^${p.version}`])), packages };
    if (lock.lockfileVersion !== 2 || !isRecord(lock.dependencies)) throw new Error(`unknown lockfile version ${JSON.stringify(lock.lockfileVersion)}`);
    return { lockfileVersion: 2, dependencies: lock.dependencies as Record<string, string>, packages };
  } catch (e) {
    throw new CliError(`${path} is not a valid lockfile (${(e as Error).message}); restore it from version control`);
  }
}

const sortedKeys = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );

export async function writeLockfile(dir: string, lock: Lockfile): Promise<void> {
  const sorted: Lockfile = {
    lockfileVersion: 2,
    dependencies: sortedKeys(lock.dependencies),
    packages: Object.fromEntries(
      Object.keys(lock.packages)
        .sort()
        .map((k) => {
          const { version, resolved, integrity, dependencies, files } = lock.packages[k]!;
          return [
            k,
            { version, resolved, integrity, ...(dependencies && Object.keys(dependencies).length ? { dependencies: sortedKeys(dependencies) } : {}), files },
          ];
        }),
    ),
  };
  const path = join(dir, LOCKFILE);
  const text = `${JSON.stringify(sorted, null, 2)}\n`;
  // A replay that changed nothing leaves the file (and its modification time) alone.
  if ((await readFile(path, 'utf8').catch(() => null)) === text) return;
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** Which packages own each written file (more than one only after a forced install). */
export function ownersOf(lock: Lockfile): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [name, p] of Object.entries(lock.packages)) for (const f of Object.keys(p.files)) owners.set(f, [...(owners.get(f) ?? []), name]);
  return owners;
}

/** The names reachable from the project's requests through the locked packages' dependencies. */
export function reachable(roots: Iterable<string>, packages: Record<string, { dependencies?: Record<string, string> }>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name) || !packages[name]) continue;
    seen.add(name);
    stack.push(...Object.keys(packages[name]!.dependencies ?? {}));
  }
  return seen;
}
