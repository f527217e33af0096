import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { create } from 'tar';
import { minimatch } from 'minimatch';
import { manifestProblems, readArchiveBytes, type Manifest, type ReadArchive, type ValidationReport } from '@unjucks/core';
import { validateFiles } from '@unjucks/validate';
import { CliError } from './errors.js';

// Fixed, so packing the same files twice gives the same bytes (and a retried publish is idempotent).
const FIXED_MTIME = new Date('1985-10-26T08:15:00Z');
// Never packed when the manifest has no "files" list.
const DEFAULT_IGNORES = new Set(['node_modules', '.git', 'unjucks-lock.json', '.DS_Store']);
const ALWAYS = /^(package\.json|readme(\.[^/]*)?|licen[cs]e(\.[^/]*)?)$/i;

async function walk(root: string, dir = root, out: string[] = []): Promise<string[]> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(root, full).split(sep).join('/');
    if (entry.isSymbolicLink())
      throw new CliError(`refusing to pack the symlink ${rel}: a template package holds only regular files; copy the target in instead`);
    if (entry.isDirectory()) {
      if (dir === root && DEFAULT_IGNORES.has(entry.name)) continue;
      await walk(root, full, out);
    } else if (entry.isFile()) out.push(rel);
    else throw new CliError(`refusing to pack ${rel}: only regular files and directories can be packed`);
  }
  return out;
}

/** The files a package ships: the manifest's `files` list when it has one, else everything but the usual ignores. */
export function selectFiles(all: string[], files: string[] | undefined): string[] {
  const chosen = all.filter((f) => {
    if (ALWAYS.test(f)) return true;
    if (!files) return !DEFAULT_IGNORES.has(f.split('/').pop()!);
    return files.some((pattern) => {
      const p = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
      return f === p || f.startsWith(`${p}/`) || minimatch(f, p, { dot: true }) || minimatch(f, `${p}/**`, { dot: true });
    });
  });
  return chosen.sort();
}

export interface Packed {
  manifest: Manifest;
  tarball: Buffer;
  files: string[];
  read: ReadArchive;
  /** The same validator the registry runs on publish, run on the same bytes. */
  report: ValidationReport;
}

/**
 * Packs a directory into the registry's tarball format: entries under package/, modes kept
 * (executable bits included), dotfiles such as .gitignore kept, symlinks refused. The result is read
 * back and validated exactly as the registry will, so the report here is the report there.
 */
export async function packDirectory(dir: string): Promise<Packed> {
  let raw: string;
  try {
    raw = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    throw new CliError(`no package.json in ${dir}; a template package needs a manifest with name and version`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new CliError(`${join(dir, 'package.json')} is not valid JSON: ${(e as Error).message}`);
  }
  const problems = manifestProblems(json);
  if (problems.length) throw new CliError(`package.json is invalid: ${problems.join('; ')}`);
  const manifest = json as Manifest;
  const files = selectFiles(await walk(dir), manifest.files);
  // readdir can't see through the walk's choices; a selected path must still be a plain file.
  for (const f of files) if (!(await lstat(join(dir, f))).isFile()) throw new CliError(`refusing to pack ${f}: not a regular file`);

  const chunks: Buffer[] = [];
  const stream = create({ cwd: dir, gzip: true, portable: true, prefix: 'package', mtime: FIXED_MTIME, noDirRecurse: true }, files);
  for await (const c of stream) chunks.push(c as Buffer);
  const tarball = Buffer.concat(chunks);
  let read: ReadArchive;
  try {
    read = await readArchiveBytes(tarball, {}, 'collect');
  } catch (e) {
    throw new CliError(`the packed package cannot be read: ${(e as Error).message}`);
  }
  return { manifest, tarball, files, read, report: validateFiles(read.files, { rejected: read.rejected }) };
}
