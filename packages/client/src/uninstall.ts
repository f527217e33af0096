import { resolve } from 'node:path';
import { diskHash, removeFile, safeTarget } from './disk.js';
import { CliError } from './errors.js';
import type { RemovedPackage } from './install.js';
import { reachable, readLockfile, writeLockfile } from './lockfile.js';
import { readDeclared, writeDeclared } from './project.js';

/**
 * `unjucks uninstall name...`: drops the packages and the dependencies nothing else needs. Files they
 * installed that are unchanged are removed; files changed locally stay and are listed.
 */
export async function uninstall(names: string[], opts: { dir: string; dryRun?: boolean }): Promise<RemovedPackage[]> {
  const root = resolve(opts.dir);
  const lock = await readLockfile(root);
  const declared = await readDeclared(root);
  const roots = { ...(declared ?? lock.dependencies) };
  for (const name of names) {
    if (!lock.packages[name]) throw new CliError(`${name} is not installed in ${root}`);
    if (!(name in roots)) {
      const by = Object.entries(lock.packages)
        .filter(([, p]) => p.dependencies?.[name])
        .map(([n, p]) => `${n}@${p.version}`);
      throw new CliError(
        `${name} was not installed directly: ${by.join(', ')} need${by.length === 1 ? 's' : ''} it. Uninstall ${by.length === 1 ? 'that' : 'those'} instead`,
      );
    }
    delete roots[name];
  }
  const remaining = reachable(Object.keys(roots), lock.packages);
  for (const name of names)
    if (remaining.has(name)) {
      const by = Object.entries(lock.packages)
        .filter(([n, p]) => remaining.has(n) && p.dependencies?.[name])
        .map(([n]) => n);
      throw new CliError(`not uninstalling ${name}: ${by.join(', ')} still need${by.length === 1 ? 's' : ''} it. Nothing was changed`);
    }
  const stillOwned = new Set([...remaining].flatMap((n) => Object.keys(lock.packages[n]!.files)));

  const out: RemovedPackage[] = [];
  const removals: string[] = [];
  for (const [name, locked] of Object.entries(lock.packages)) {
    if (remaining.has(name)) continue;
    const r: RemovedPackage = { name, version: locked.version, removed: [], kept: [] };
    for (const [rel, hash] of Object.entries(locked.files)) {
      if (stillOwned.has(rel)) continue;
      const target = await safeTarget(root, rel);
      const onDisk = await diskHash(target);
      if (onDisk === null) continue;
      if (onDisk === hash) {
        r.removed.push(rel);
        removals.push(target);
      } else r.kept.push(rel);
    }
    out.push(r);
  }
  if (opts.dryRun) return out;
  for (const target of removals) await removeFile(root, target);
  await writeLockfile(root, {
    lockfileVersion: 2,
    dependencies: Object.fromEntries(Object.entries(lock.dependencies).filter(([n]) => n in roots)),
    packages: Object.fromEntries(Object.entries(lock.packages).filter(([n]) => remaining.has(n))),
  });
  if (declared) await writeDeclared(root, roots);
  return out;
}
