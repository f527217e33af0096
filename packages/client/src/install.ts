import { randomUUID } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileHash, integrityOf, readTarballBytes, SCRIPT_CAPABILITIES, TEMPLATES_DIR, type CapabilityName, type VersionDoc } from '@unjucks/core';
import { validateFiles } from '@unjucks/validate';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { getBytes, getJson, packageUrl } from './http.js';
import { ownersOf, readLockfile, writeLockfile, type Lockfile, type LockedPackage } from './lockfile.js';

interface PlannedFile {
  rel: string;
  bytes: Buffer;
  hash: string;
  executable: boolean;
}


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

/** The absolute path of `rel` inside `root`, refusing anything that would leave it. */
async function safeTarget(root: string, rel: string): Promise<string> {
  const target = resolve(root, rel);
  if (!target.startsWith(root + sep)) throw new CliError(`refusing to write ${rel}: it resolves outside ${root}`);
  // A symlinked folder inside the destination could redirect the write elsewhere.
  for (let dir = dirname(target); dir.startsWith(root + sep); dir = dirname(dir)) {
    const st = await lstat(dir).catch(() => null);
    if (st?.isSymbolicLink()) throw new CliError(`refusing to write ${rel}: ${dir} is a symlink`);
  }
  const st = await lstat(target).catch(() => null);
  if (st && !st.isFile()) throw new CliError(`refusing to write ${rel}: something other than a file is in the way`);
  return target;
}

const currentHash = async (path: string) => readFile(path).then(fileHash, () => null);

/** Downloads a tarball and checks it against the expected integrity before anything else. */
async function fetchVerified(settings: Settings, url: string, integrity: string, label: string) {
  const bytes = await getBytes(settings, url, `downloading ${label}`);
  const actual = integrityOf(bytes);
  if (actual !== integrity)
    throw new CliError(`integrity check failed for ${label}: expected ${integrity}, got ${actual}; nothing was written`);
  try {
    return await readTarballBytes(bytes);
  } catch (e) {
    throw new CliError(`the tarball of ${label} is not valid: ${(e as Error).message}; nothing was written`);
  }
}

/**
 * What the package can do, worked out here by the same validator the registry runs, so a registry
 * that lies about it cannot slip a shell command past the user.
 */
function capabilitiesOf(label: string, files: { path: string; mode: number; bytes: Buffer }[], allowScripts: boolean): CapabilityName[] {
  // A client has time to check a package fully; a check cut short proves nothing, so it refuses.
  const report = validateFiles(files, { timeBudgetMs: 5 * 60_000 });
  if (report.findings.some((f) => f.rule === 'report/time-budget'))
    throw new CliError(`refusing to install ${label}: it is too large or complex to check on this machine. Nothing was written`);
  const scripts = report.capabilityDetails.filter((c) => SCRIPT_CAPABILITIES.includes(c.name));
  if (scripts.length && !allowScripts)
    throw new CliError(
      `refusing to install ${label}: it can run code on this machine (${scripts.map((c) => `${c.name}: ${c.detail} in ${c.file}`).join('; ')}). ` +
        'Read those files, then pass --allow-scripts to install it. Nothing was written',
    );
  return report.capabilities;
}

function plan(files: { path: string; mode: number; bytes: Buffer }[]): PlannedFile[] {
  return files
    .filter((f) => f.path.startsWith(`${TEMPLATES_DIR}/`))
    .map((f) => ({ rel: f.path, bytes: f.bytes, hash: fileHash(f.bytes), executable: (f.mode & 0o111) !== 0 }))
    .sort((a, b) => a.rel.localeCompare(b.rel));
}

interface Change {
  name: string;
  writes: { target: string; file: PlannedFile }[];
  removals: string[];
  unchanged: string[];
}

/**
 * Compares the planned files with the disk and the lock, and returns what to change. A file owned
 * by another package, or changed since it was installed, is a conflict unless `force`.
 */
async function check(root: string, name: string, planned: PlannedFile[], lock: Lockfile, force: boolean): Promise<Change> {
  const owners = ownersOf(lock);
  const previous = lock.packages[name];
  const conflicts: string[] = [];
  const change: Change = { name, writes: [], removals: [], unchanged: [] };
  for (const file of planned) {
    const target = await safeTarget(root, file.rel);
    const owner = owners.get(file.rel);
    const onDisk = await currentHash(target);
    if (owner && owner !== name) conflicts.push(`${file.rel} belongs to ${owner}`);
    else if (onDisk !== null && onDisk !== file.hash) {
      if (!owner) conflicts.push(`${file.rel} exists and was not installed by a package`);
      else if (onDisk !== previous?.files[file.rel]) conflicts.push(`${file.rel} was changed locally`);
    }
    if (onDisk === file.hash) change.unchanged.push(file.rel);
    else change.writes.push({ target, file });
  }
  if (conflicts.length && !force)
    throw new CliError(`not installing ${name}: ${conflicts.join('; ')}. Nothing was written; use --force to overwrite`);

  // Files the previous version had and this one does not: removed unless changed locally.
  const kept = new Set(planned.map((f) => f.rel));
  for (const [rel, hash] of Object.entries(previous?.files ?? {})) {
    if (kept.has(rel)) continue;
    const target = await safeTarget(root, rel);
    const onDisk = await currentHash(target);
    if (onDisk === null || onDisk === hash || force) change.removals.push(target);
  }
  return change;
}

/** Writes a checked change; each file is written aside and renamed into place. */
async function commit(root: string, change: Change) {
  for (const { target, file } of change.writes) {
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.tmp`;
    await writeFile(tmp, file.bytes);
    await chmod(tmp, file.executable ? 0o755 : 0o644);
    await rename(tmp, target);
  }
  for (const target of change.removals) await rm(target, { force: true });
  return {
    written: change.writes.map((w) => w.file.rel),
    unchanged: change.unchanged,
    removed: change.removals.map((r) => r.slice(root.length + 1)),
  };
}

/** `unjucks install <name>[@spec]`: resolve, download, verify, extract _templates/**, record in the lock. */
export async function installPackage(
  settings: Settings,
  opts: { name: string; spec: string; dir: string; force: boolean; allowScripts: boolean },
): Promise<InstallResult> {
  const root = resolve(opts.dir);
  const doc = await getJson<VersionDoc>(settings, packageUrl(settings.registry, opts.name, opts.spec || 'latest'), `resolving ${opts.name}@${opts.spec || 'latest'}`);
  const label = `${doc.name}@${doc.version}`;
  const read = await fetchVerified(settings, doc.dist.tarball, doc.dist.integrity, label);
  if (read.manifest.name !== doc.name || read.manifest.version !== doc.version)
    throw new CliError(`the tarball of ${label} holds ${read.manifest.name}@${read.manifest.version}; nothing was written`);
  const capabilities = capabilitiesOf(label, read.files, opts.allowScripts);
  await mkdir(root, { recursive: true });
  const lock = await readLockfile(root);
  const planned = plan(read.files);
  const done = await commit(root, await check(root, doc.name, planned, lock, opts.force));
  const entry: LockedPackage = {
    version: doc.version,
    resolved: doc.dist.tarball,
    integrity: doc.dist.integrity,
    files: Object.fromEntries(planned.map((f) => [f.rel, f.hash])),
  };
  lock.packages[doc.name] = entry;
  await writeLockfile(root, lock);
  return { name: doc.name, version: doc.version, integrity: doc.dist.integrity, resolved: doc.dist.tarball, capabilities, ...done };
}

/** `unjucks install` with no argument: exactly what the lock records, integrity checked. */
export async function installFromLock(settings: Settings, opts: { dir: string; force: boolean; allowScripts: boolean }): Promise<InstallResult[]> {
  const root = resolve(opts.dir);
  const lock = await readLockfile(root);
  const names = Object.keys(lock.packages);
  if (names.length === 0) throw new CliError(`no packages in ${join(root, 'unjucks-lock.json')}; install one with: unjucks install <name>`);
  // Download, verify and check every package before writing any of them.
  const changes: { locked: LockedPackage; change: Change; capabilities: CapabilityName[] }[] = [];
  for (const name of names) {
    const locked = lock.packages[name]!;
    const label = `${name}@${locked.version}`;
    const read = await fetchVerified(settings, locked.resolved, locked.integrity, label);
    const planned = plan(read.files);
    const mismatch = planned.find((f) => locked.files[f.rel] !== f.hash)?.rel ?? Object.keys(locked.files).find((rel) => !planned.some((f) => f.rel === rel));
    if (mismatch) throw new CliError(`the lock's file list for ${label} does not match its tarball (${mismatch}); nothing was written`);
    const capabilities = capabilitiesOf(label, read.files, opts.allowScripts);
    changes.push({ locked, capabilities, change: await check(root, name, planned, lock, opts.force) });
  }
  const results: InstallResult[] = [];
  for (const { locked, change, capabilities } of changes) {
    const done = await commit(root, change);
    results.push({ name: change.name, version: locked.version, integrity: locked.integrity, resolved: locked.resolved, capabilities, ...done });
  }
  return results;
}
