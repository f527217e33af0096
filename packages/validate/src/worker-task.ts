import type { MessagePort } from 'node:worker_threads';
import { findReadme, InputError, readArchive, type PackageFile, type PackageLimits, type ReadArchive, type ValidationReport } from '@unjucks/core';
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

/** An upload as it arrived: one buffer and the lengths of the chunks it came in. */
export interface UploadTask {
  bytes: Uint8Array;
  chunks: number[];
  limits: Partial<PackageLimits>;
  options: Omit<ValidateOptions, 'rejected'>;
  /** Gets the ArchiveFacts as soon as the archive is read, before validation starts. */
  port?: MessagePort;
}

/** What a publish needs of its archive besides the report: the files themselves stay in the worker. */
export interface ArchiveFacts extends Omit<ReadArchive, 'files' | 'rejected' | 'tarball'> {
  /** package.json's text, or null without one. */
  manifest: string | null;
  readme: string | null;
}

/** The archive refused: InputError's fields, which do not survive the thread boundary as an error. */
export interface UploadRefused {
  message: string;
  code: InputError['code'];
  details: Record<string, unknown>;
}

export type UploadOutcome = { facts: ArchiveFacts; report: ValidationReport } | { refused: UploadRefused };

/**
 * Reads an upload and validates it, on whichever thread runs this: the very readArchive (fed the
 * chunks as they arrived, so every limit stops at the same byte) and validateFiles as on the
 * event loop. A refused archive comes back as `refused`, to be thrown again as an InputError.
 */
export async function readAndValidate(task: UploadTask, validationMemo: ValidationMemo = memo): Promise<UploadOutcome> {
  const { bytes, chunks } = task;
  let archive: ReadArchive;
  try {
    archive = await readArchive(
      (async function* () {
        let offset = 0;
        for (const length of chunks) {
          yield bytes.subarray(offset, offset + length);
          offset += length;
        }
      })(),
      task.limits,
      'collect',
    );
  } catch (e) {
    if (e instanceof InputError) return { refused: { message: e.message, code: e.code, details: e.details } };
    throw e;
  }
  const { files, rejected, tarball: _, ...rest } = archive;
  const facts: ArchiveFacts = {
    ...rest,
    manifest: files.find((f) => f.path === 'package.json')?.bytes.toString('utf8') ?? null,
    readme: findReadme(files)?.bytes.toString('utf8') ?? null,
  };
  task.port?.postMessage(facts);
  return { facts, report: validateFiles(files, { ...task.options, rejected }, validationMemo) };
}
