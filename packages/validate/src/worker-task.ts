import type { MessagePort } from 'node:worker_threads';
import { findReadme, InputError, readArchive, type PackageLimits, type ReadArchive, type ValidationReport } from '@unjucks/core';
import { ValidationMemo } from './memo.js';
import { VALIDATOR_VERSION, validateFiles, type ValidateOptions } from './validate.js';

/** This thread's per-file results: consecutive versions of a package mostly repeat their files. */
const memo = new ValidationMemo(VALIDATOR_VERSION);

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
export async function readAndValidate(
  task: UploadTask,
  validationMemo: ValidationMemo = memo,
  /**
   * On the thread that also runs the publish (a publish worker, or the event loop): gets the facts
   * as soon as the archive is read, and the thread is yielded once before validating, so the
   * publish's database checks are sent and run while the files are checked.
   */
  onFacts?: (facts: ArchiveFacts) => void,
): Promise<UploadOutcome> {
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
  if (onFacts) {
    onFacts(facts);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { facts, report: validateFiles(files, { ...task.options, rejected }, validationMemo) };
}
