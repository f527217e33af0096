import { randomUUID } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { fileHash } from '@unjucks/core';
import { CliError } from './errors.js';

/** The absolute path of `rel` inside `root`, refusing anything that would leave it. */
export async function safeTarget(root: string, rel: string): Promise<string> {
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

/** The sha512 SRI of a file on disk, or null when there is none. */
export const diskHash = async (path: string) => readFile(path).then(fileHash, () => null);

/** Written aside and renamed into place, so a reader never sees half a file. */
export async function writeAtomic(target: string, bytes: Buffer | string, executable = false): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.${randomUUID()}.tmp`;
  await writeFile(tmp, bytes);
  await chmod(tmp, executable ? 0o755 : 0o644);
  await rename(tmp, target);
}

/** Removes a file and the folders it leaves empty, up to (not including) `root`. */
export async function removeFile(root: string, target: string): Promise<void> {
  await rm(target, { force: true });
  for (let dir = dirname(target); dir.startsWith(root + sep); dir = dirname(dir)) {
    if ((await readdir(dir).catch(() => ['?'])).length > 0) break;
    await rmdir(dir).catch(() => undefined);
  }
}
