import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CapabilityName } from '@unjucks/core';
import { diskHash, removeFile, safeTarget, writeAtomic } from './disk.js';
import { CliError } from './errors.js';
import { fetchPackage, type FetchedPackage, type PlannedFile } from './fetch-package.js';
import { LOCKFILE, ownersOf, readLockfile, writeLockfile, type LockedPackage, type Lockfile } from './lockfile.js';
import { lockProblems, rangeToRecord, readDeclared, writeDeclared } from './project.js';
import { resolveGraph } from './resolve.js';
import type { PackageSource } from './source.js';

export interface InstallResult {
  capabilities: CapabilityName[];
  name: string;
  version: string;
  integrity: string;
  resolved: string;
  written: string[];
  unchanged: string[];
  removed: string[];
}

export interface RemovedPackage {
  name: string;
  version: string;
  removed: string[];
  /** Changed locally, so left in place. */
  kept: string[];
}

export interface InstallSummary {
  installed: InstallResult[];
  /** Packages the new graph no longer needs. */
  dropped: RemovedPackage[];
}

export function formatInstalled(r: InstallResult): string {
  const lines = [`installed ${r.name}@${r.version} (${r.integrity})`];
  if (r.capabilities.length) lines.push(`  capabilities: ${r.capabilities.join(', ')}`);
  lines.push(`  ${r.written.length} written, ${r.unchanged.length} unchanged, ${r.removed.length} removed`);
  return lines.join('\n');
}

export function formatRemoved(r: RemovedPackage): string {
  const head = `removed ${r.name}@${r.version}: ${r.removed.length} file(s) removed`;
  return r.kept.length ? `${head}\n  kept, changed locally:\n${r.kept.map((f) => `    ${f}`).join('\n')}` : head;
}

export interface InstallOptions {
  dir: string;
  force: boolean;
  allowScripts: boolean;
  /** Install exactly the lock, refusing when it does not match what the project or the command asks for. */
  frozen: boolean;
}

interface Step {
  pkg: FetchedPackage;
  writes: { target: string; file: PlannedFile }[];
  unchanged: string[];
}

const lockedEntry = (p: FetchedPackage): LockedPackage => ({
  version: p.version,
  resolved: p.resolved,
  integrity: p.integrity,
  dependencies: p.dependencies,
  files: Object.fromEntries(p.files.map((f) => [f.rel, f.hash])),
});

/** Which packages provide each file once `next` is installed: fetched packages by their tarball, the rest by the lock. */
function futureOwners(lock: Lockfile, keep: string[], fetched: FetchedPackage[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  const add = (rel: string, name: string) => owners.set(rel, [...(owners.get(rel) ?? []), name]);
  for (const name of keep) for (const rel of Object.keys(lock.packages[name]!.files)) add(rel, name);
  for (const p of fetched) for (const f of p.files) add(f.rel, p.name);
  return owners;
}

/**
 * Checks every fetched package against the disk and the lock before anything is written. A file that
 * another package provides, that no package installed, or that was changed since it was installed is
 * a conflict unless `force`.
 */
async function plan(root: string, lock: Lockfile, fetched: FetchedPackage[], keep: string[], force: boolean) {
  const previous = ownersOf(lock);
  const owners = futureOwners(lock, keep, fetched);
  const steps: Step[] = [];
  const conflicts: string[] = [];
  for (const pkg of fetched) {
    const step: Step = { pkg, writes: [], unchanged: [] };
    const mine: string[] = [];
    for (const file of pkg.files) {
      const target = await safeTarget(root, file.rel);
      const onDisk = await diskHash(target);
      const other = owners.get(file.rel)!.find((n) => n !== pkg.name);
      const before = previous.get(file.rel) ?? [];
      if (other) mine.push(`${file.rel} belongs to ${before.includes(other) || !before.length ? other : before[0]}`);
      else if (onDisk !== null && onDisk !== file.hash) {
        if (!before.length) mine.push(`${file.rel} exists and was not installed by a package`);
        else if (!before.some((n) => lock.packages[n]!.files[file.rel] === onDisk)) mine.push(`${file.rel} was changed locally`);
      }
      if (onDisk === file.hash) step.unchanged.push(file.rel);
      else step.writes.push({ target, file });
    }
    if (mine.length) conflicts.push(`not installing ${pkg.name}: ${mine.join('; ')}`);
    steps.push(step);
  }
  if (conflicts.length && !force) throw new CliError(`${conflicts.join('; ')}. Nothing was written; use --force to overwrite`);

  // Files the lock records that nothing will provide any more: removed unless changed locally.
  const removals = new Map<string, { removed: string[]; kept: string[] }>();
  for (const [name, locked] of Object.entries(lock.packages)) {
    const r = { removed: [] as string[], kept: [] as string[] };
    for (const [rel, hash] of Object.entries(locked.files)) {
      if (owners.has(rel)) continue;
      const onDisk = await diskHash(await safeTarget(root, rel));
      if (onDisk === null) continue;
      if (onDisk === hash || force) r.removed.push(rel);
      else r.kept.push(rel);
    }
    removals.set(name, r);
  }
  return { steps, removals };
}

/**
 * `unjucks install [name[@spec]...]`: resolves the whole graph the project asks for, fetches and checks
 * every package it has to write (integrity, capabilities, file ownership), then writes files and,
 * last, the lock. With no names and a lock that already holds the graph, it replays the lock without
 * asking the registry anything (tarballs come from the cache when they are there).
 */
export async function install(source: PackageSource, args: { name: string; spec: string }[], opts: InstallOptions): Promise<InstallSummary> {
  const root = resolve(opts.dir);
  const lock = await readLockfile(root);
  const declared = await readDeclared(root);
  const wanted: Record<string, string> = { ...(declared ?? lock.dependencies) };
  for (const a of args) wanted[a.name] = a.spec;

  let graph: { name: string; version: string; resolved: string; integrity: string; dependencies: Record<string, string> }[];
  let touched: Set<string>;
  const replay = () =>
    Object.entries(lock.packages).map(([name, p]) => ({
      name,
      version: p.version,
      resolved: p.resolved,
      integrity: p.integrity,
      dependencies: p.dependencies ?? {},
    }));
  if (opts.frozen) {
    const asked = args.filter((a) => a.spec !== '' && a.spec !== lock.dependencies[a.name] && a.spec !== lock.packages[a.name]?.version);
    const problems = [
      ...asked.map((a) => `the command asks for ${a.name}@${a.spec} but the lock records ${lock.dependencies[a.name] ?? 'nothing'}`),
      ...lockProblems(lock, { ...(declared ?? lock.dependencies), ...Object.fromEntries(args.map((a) => [a.name, lock.dependencies[a.name] ?? a.spec])) }),
    ];
    if (problems.length)
      throw new CliError(
        `--frozen-lockfile: ${LOCKFILE} does not match what is asked for: ${problems.join('; ')}. Run unjucks install without --frozen-lockfile to update it`,
      );
    if (!Object.keys(lock.packages).length) throw new CliError(`--frozen-lockfile: no packages in ${join(root, LOCKFILE)}`);
    graph = replay();
    touched = new Set(graph.map((p) => p.name));
  } else if (!args.length && Object.keys(lock.packages).length && !lockProblems(lock, wanted).length) {
    graph = replay();
    touched = new Set(graph.map((p) => p.name));
  } else {
    if (!Object.keys(wanted).length) throw new CliError(`nothing to install: no packages in ${join(root, LOCKFILE)}; install one with: unjucks install <name>`);
    const argNames = new Set(args.map((a) => a.name));
    const prefer = Object.fromEntries(
      Object.entries(lock.packages)
        .filter(([n]) => !argNames.has(n))
        .map(([n, p]) => [n, p.version]),
    );
    const resolved = await resolveGraph(wanted, (name, context) => source.packument(name, context), prefer);
    graph = [...resolved.values()].map((p) => ({
      name: p.name,
      version: p.version,
      resolved: p.doc.dist.tarball,
      integrity: p.doc.dist.integrity,
      dependencies: p.dependencies,
    }));
    touched = new Set(graph.filter((p) => !args.length || argNames.has(p.name) || lock.packages[p.name]?.version !== p.version).map((p) => p.name));
  }

  // Everything is downloaded and checked before the first file is written.
  const fetched: FetchedPackage[] = [];
  for (const want of graph.filter((p) => touched.has(p.name))) {
    const pkg = await fetchPackage(source, want, { allowScripts: opts.allowScripts });
    const label = `${pkg.name}@${pkg.version}`;
    const expected = JSON.stringify(Object.entries(want.dependencies).sort());
    if (JSON.stringify(Object.entries(pkg.dependencies).sort()) !== expected)
      throw new CliError(`the dependencies in the tarball of ${label} differ from what the registry or the lock says; nothing was written`);
    const locked = lock.packages[pkg.name];
    if (locked?.version === pkg.version && locked.integrity === pkg.integrity) {
      const mismatch =
        pkg.files.find((f) => locked.files[f.rel] !== f.hash)?.rel ?? Object.keys(locked.files).find((rel) => !pkg.files.some((f) => f.rel === rel));
      if (mismatch) throw new CliError(`the lock's file list for ${label} does not match its tarball (${mismatch}); nothing was written`);
    }
    fetched.push(pkg);
  }
  const keep = graph.filter((p) => !touched.has(p.name)).map((p) => p.name);
  await mkdir(root, { recursive: true });
  const { steps, removals } = await plan(root, lock, fetched, keep, opts.force);

  const installed: InstallResult[] = [];
  for (const { pkg, writes, unchanged } of steps) {
    for (const { target, file } of writes) await writeAtomic(target, file.bytes, file.executable);
    const removed = removals.get(pkg.name)?.removed ?? [];
    for (const rel of removed) await removeFile(root, resolve(root, rel));
    installed.push({
      name: pkg.name,
      version: pkg.version,
      integrity: pkg.integrity,
      resolved: pkg.resolved,
      capabilities: pkg.capabilities,
      written: writes.map((w) => w.file.rel),
      unchanged,
      removed,
    });
  }
  const inGraph = new Set(graph.map((p) => p.name));
  const dropped: RemovedPackage[] = [];
  for (const [name, locked] of Object.entries(lock.packages)) {
    if (inGraph.has(name)) continue;
    const r = removals.get(name)!;
    for (const rel of r.removed) await removeFile(root, resolve(root, rel));
    dropped.push({ name, version: locked.version, ...r });
  }

  const next: Lockfile = { lockfileVersion: 2, dependencies: {}, packages: {} };
  for (const [name, spec] of Object.entries(wanted)) {
    const version = graph.find((p) => p.name === name)!.version;
    next.dependencies[name] = args.some((a) => a.name === name) ? rangeToRecord(spec, version) : spec;
  }
  for (const name of keep) next.packages[name] = lock.packages[name]!;
  for (const pkg of fetched) next.packages[pkg.name] = lockedEntry(pkg);
  await writeLockfile(root, next);
  if (declared && args.length) await writeDeclared(root, { ...declared, ...Object.fromEntries(args.map((a) => [a.name, next.dependencies[a.name]!])) });
  return { installed, dropped };
}
