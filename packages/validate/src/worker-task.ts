import type { PackageFile, ValidationReport } from '@unjucks/core';
import { ValidationMemo } from './memo.js';
import { VALIDATOR_VERSION, validateFiles, type ValidateOptions } from './validate.js';

/**
 * A package's files as one buffer and their places in it: posted to a worker thread, a Buffer
 * that is a view into a larger one would copy all of it per file, while one fresh buffer is moved
 * (transferred) without a copy.
 */
export interface PackedFiles {
  bytes: Uint8Array<ArrayBuffer>;
  entries: { path: string; mode: number; offset: number; length: number }[];
}

export interface ValidateTask {
  files: PackedFiles;
  options: ValidateOptions;
}

export function packFiles(files: PackageFile[]): PackedFiles {
  const bytes = new Uint8Array(files.reduce((n, f) => n + f.bytes.length, 0));
  const entries: PackedFiles['entries'] = [];
  let offset = 0;
  for (const f of files) {
    bytes.set(f.bytes, offset);
    entries.push({ path: f.path, mode: f.mode, offset, length: f.bytes.length });
    offset += f.bytes.length;
  }
  return { bytes, entries };
}

export function unpackFiles({ bytes, entries }: PackedFiles): PackageFile[] {
  return entries.map((e) => ({ path: e.path, mode: e.mode, bytes: Buffer.from(bytes.buffer, bytes.byteOffset + e.offset, e.length) }));
}

/** This thread's per-file results: consecutive versions of a package mostly repeat their files. */
const memo = new ValidationMemo(VALIDATOR_VERSION);

/** What a validation worker runs: exactly validateFiles, on the unpacked files, with this thread's memo. */
export function runValidateTask(task: ValidateTask): ValidationReport {
  return validateFiles(unpackFiles(task.files), task.options, memo);
}
