import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileHash } from '@unjucks/core';
import { diskHash, removeFile, safeTarget, writeAtomic } from './disk.js';
import { CliError } from './errors.js';
import { fetchPackage, type FetchedPackage } from './fetch-package.js';
import { ownersOf, readLockfile, writeLockfile, type LockedPackage, type Lockfile } from './lockfile.js';
import { isText, mergeText } from './merge.js';
import { rangeToRecord, readDeclared, writeDeclared } from './project.js';
import { resolveGraph } from './resolve.js';
import type { PackageSource } from './source.js';

export type FileAction =
  | 'add' // new in this version, or missing on disk
  | 'replace' // unchanged locally: the new version's file replaces it
  | 'merge' // changed on both sides, merged cleanly
  | 'conflict' // changed on both sides, the merge left conflict markers (or a binary file kept as is)
  | 'remove' // dropped by the new version, unchanged locally
  | 'keep' // dropped by the new version, but changed locally: left in place
  | 'resolved'; // a conflict from the last update, its markers since removed by hand: taken as it is

export interface FilePlan {
  rel: string;
  action: FileAction;
}

export interface PackageUpdate {
  name: string;
  from: string | null;
  to: string | null;
  files: FilePlan[];
}

export interface UpdateSummary {
  dryRun: boolean;
  packages: PackageUpdate[];
  conflicts: string[];
  /** True when files and the lock were written (false for a dry run or when a conflict was left). */
  lockUpdated: boolean;
}

interface Write {
  target: string;
  bytes: Buffer | string;
  executable: boolean;
}

/**
 * Conflicts left by the last update, beside the lock (which does not move until they are resolved):
 * package → the version it was moving to and the files left with markers. A listed file whose markers
 * are gone is taken as resolved when the same update runs again.
 */
export const PENDING_FILE = 'unjucks-merge.json';
type Pending = Record<string, { to: string; files: string[] }>;
const hasMarkers = (text: string) => /^(<<<<<<<|>>>>>>>)( |$)/m.test(text);

const labelOf = (p: { name: string; version: string }) => `${p.name}@${p.version}`;

/**
 * `unjucks update [name[@spec]...]`: moves packages to the newest versions their ranges allow (or to a
 * new range), keeping local edits: a file the user did not change is replaced, one changed on both
 * sides is merged three ways (base: the installed version's file, from the cache or the registry),
 * and a conflict leaves markers and stops the lock from moving. Nothing is written until every
 * package has been fetched and checked.
 */
export async function update(
  source: PackageSource,
  args: { name: string; spec: string }[],
  opts: { dir: string; allowScripts: boolean; dryRun: boolean },
): Promise<UpdateSummary> {
  const root = resolve(opts.dir);
  const lock = await readLockfile(root);
  if (!Object.keys(lock.packages).length) throw new CliError(`nothing to update: no packages in ${root}/unjucks-lock.json`);
  const declared = await readDeclared(root);
  const wanted: Record<string, string> = { ...(declared ?? lock.dependencies) };
  for (const a of args) {
    if (!lock.packages[a.name] && !(a.name in wanted)) throw new CliError(`${a.name} is not installed here; install it with: unjucks install ${a.name}`);
    if (a.spec) wanted[a.name] = a.spec;
  }
  const named = new Set(args.map((a) => a.name));
  // Named packages (and whatever they need) move; the rest stay where the lock has them if they still fit.
  const prefer = named.size
    ? Object.fromEntries(
        Object.entries(lock.packages)
          .filter(([n]) => !named.has(n))
          .map(([n, p]) => [n, p.version]),
      )
    : {};
  const graph = await resolveGraph(wanted, (name, context) => source.packument(name, context), prefer);

  const moving = [...graph.values()].filter((p) => lock.packages[p.name]?.version !== p.version);
  const fetched = new Map<string, FetchedPackage>();
  for (const p of moving)
    fetched.set(
      p.name,
      await fetchPackage(
        source,
        { name: p.name, version: p.version, resolved: p.doc.dist.tarball, integrity: p.doc.dist.integrity },
        { allowScripts: opts.allowScripts },
      ),
    );

  // Future owners of every file, to refuse a move that makes two packages provide one file.
  const owners = new Map<string, string>();
  for (const p of graph.values()) {
    const rels = fetched.get(p.name)?.files.map((f) => f.rel) ?? Object.keys(lock.packages[p.name]!.files);
    for (const rel of rels) {
      const other = owners.get(rel);
      if (other) throw new CliError(`not updating: ${rel} would belong to both ${other} and ${p.name}. Nothing was written`);
      owners.set(rel, p.name);
    }
  }
  const before = ownersOf(lock);
  const pendingPath = join(root, PENDING_FILE);
  const pending: Pending = await readFile(pendingPath, 'utf8').then(JSON.parse, () => ({}));
  const leftOver: Pending = {};

  const packages: PackageUpdate[] = [];
  const conflicts: string[] = [];
  const writes: Write[] = [];
  const removals: string[] = [];
  // Files a package no longer provides (dropped by its new version, or the package itself gone):
  // unchanged ones are removed, locally changed ones stay; a file another package now owns is left to it.
  const planDropped = async (files: Record<string, string>, plan: PackageUpdate) => {
    for (const [rel, hash] of Object.entries(files)) {
      if (owners.has(rel)) continue;
      const target = await safeTarget(root, rel);
      const onDisk = await diskHash(target);
      if (onDisk === null) continue;
      plan.files.push({ rel, action: onDisk === hash ? 'remove' : 'keep' });
      if (onDisk === hash) removals.push(target);
    }
  };
  for (const p of moving) {
    const next = fetched.get(p.name)!;
    const locked = lock.packages[p.name];
    const plan: PackageUpdate = { name: p.name, from: locked?.version ?? null, to: p.version, files: [] };
    // The base: the installed version's files, from the cache or the registry (checked against the lock).
    const base = new Map<string, Buffer>();
    if (locked) {
      const old = await fetchPackage(
        source,
        { name: p.name, version: locked.version, resolved: locked.resolved, integrity: locked.integrity },
        { allowScripts: true, checkScripts: false },
      );
      for (const f of old.files) base.set(f.rel, f.bytes);
    }
    for (const file of next.files) {
      const target = await safeTarget(root, file.rel);
      const ours = await readFile(target).catch(() => null);
      const oursHash = ours && fileHash(ours);
      const baseBytes = base.get(file.rel);
      const recorded = locked?.files[file.rel];
      const add = (action: FileAction, bytes: Buffer | string = file.bytes) => {
        plan.files.push({ rel: file.rel, action });
        if (action !== 'conflict' || typeof bytes === 'string') writes.push({ target, bytes, executable: file.executable });
      };
      const wasConflict = pending[p.name]?.to === p.version && pending[p.name]!.files.includes(file.rel);
      if (ours === null) add('add');
      else if (oursHash === file.hash) continue;
      else if (wasConflict) {
        plan.files.push({ rel: file.rel, action: hasMarkers(ours.toString('utf8')) ? 'conflict' : 'resolved' });
        if (hasMarkers(ours.toString('utf8'))) conflicts.push(file.rel);
      } else if (recorded !== undefined && oursHash === recorded) add('replace');
      else if (!recorded && !baseBytes && (before.get(file.rel) ?? []).some((n) => lock.packages[n]!.files[file.rel] === oursHash))
        add('replace'); // handed over, unchanged, from another package
      else if (!isText(ours) || !isText(file.bytes) || (baseBytes && !isText(baseBytes))) {
        // Binary and changed on both sides: yours stays; the new bytes are in the cache.
        add('conflict', ours);
        conflicts.push(`${file.rel} (binary; kept your version)`);
      } else {
        const m = mergeText((baseBytes ?? Buffer.alloc(0)).toString('utf8'), ours.toString('utf8'), file.bytes.toString('utf8'), {
          ours: 'local',
          theirs: labelOf(next),
        });
        add(m.conflict ? 'conflict' : 'merge', m.text);
        if (m.conflict) conflicts.push(file.rel);
      }
      if (plan.files.at(-1)?.rel === file.rel && plan.files.at(-1)!.action === 'conflict') {
        leftOver[p.name] ??= { to: p.version, files: [] };
        leftOver[p.name]!.files.push(file.rel);
      }
    }
    // Files the new version drops: removed unless changed locally (or now provided by another package).
    await planDropped(locked?.files ?? {}, plan);
    packages.push(plan);
  }
  // Packages nothing needs any more: as uninstall, unchanged files go and changed ones stay.
  for (const [name, locked] of Object.entries(lock.packages)) {
    if (graph.has(name)) continue;
    const plan: PackageUpdate = { name, from: locked.version, to: null, files: [] };
    await planDropped(locked.files, plan);
    packages.push(plan);
  }

  const nextDeps: Record<string, string> = {};
  for (const [name, spec] of Object.entries(wanted))
    nextDeps[name] = args.some((a) => a.name === name && a.spec) ? rangeToRecord(spec, graph.get(name)!.version) : spec;
  const rangesMoved = JSON.stringify(Object.entries(nextDeps).sort()) !== JSON.stringify(Object.entries(lock.dependencies).sort());
  if (opts.dryRun) return { dryRun: true, packages, conflicts, lockUpdated: false };

  for (const w of writes) await writeAtomic(w.target, w.bytes, w.executable);
  for (const target of removals) await removeFile(root, target);
  if (conflicts.length) {
    await writeFile(pendingPath, `${JSON.stringify(leftOver, null, 2)}\n`);
    return { dryRun: false, packages, conflicts, lockUpdated: false };
  }
  await rm(pendingPath, { force: true });
  if (!packages.length && !rangesMoved) return { dryRun: false, packages, conflicts, lockUpdated: false };

  const next: Lockfile = { lockfileVersion: 2, dependencies: nextDeps, packages: {} };
  for (const p of graph.values()) {
    const f = fetched.get(p.name);
    next.packages[p.name] = f
      ? ({
          version: f.version,
          resolved: f.resolved,
          integrity: f.integrity,
          dependencies: f.dependencies,
          files: Object.fromEntries(f.files.map((x) => [x.rel, x.hash])),
        } satisfies LockedPackage)
      : lock.packages[p.name]!;
  }
  await writeLockfile(root, next);
  if (declared) await writeDeclared(root, nextDeps);
  return { dryRun: false, packages, conflicts, lockUpdated: true };
}
