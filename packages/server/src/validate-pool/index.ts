import { createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { DEFAULT_LIMITS, InputError, type PackageLimits, type ValidationReport } from '@unjucks/core';
import {
  readAndValidate,
  VALIDATOR_VERSION,
  ValidationMemo,
  type ArchiveFacts,
  type UploadOutcome,
  type UploadTask,
  type ValidateOptions,
} from '@unjucks/validate';
import { Piscina } from 'piscina';

/**
 * Publish-time validation off the event loop. Validating a 30-file package costs the event loop
 * 10-25 ms of parsing and scanning, during which no read is answered; in worker threads the reads
 * go on. The worker runs the very same validateFiles with the same options, time budget included
 * (it starts when the worker picks the task up), so reports are identical to the inline ones.
 *
 * Piscina (a well-kept pool by Node.js core contributors) rather than our own: it replaces a worker
 * that dies, queues tasks fairly, and unrefs idle workers so a pool never keeps a process alive.
 */

const workerFile = createRequire(import.meta.url).resolve('@unjucks/validate/worker');
const pools = new Map<number, Piscina<UploadTask, UploadOutcome>>();
/** Per-file results for validation on this thread (each worker keeps its own: worker-task.ts). */
const inlineMemo = new ValidationMemo(VALIDATOR_VERSION);

/** The process's pool of this size, started on first use; its workers load the validator at once. */
export function validatePool(threads: number): Piscina<UploadTask, UploadOutcome> {
  let pool = pools.get(threads);
  if (!pool) {
    // Workers are kept: a fresh one pays ~100 ms loading the validator before its first package.
    pool = new Piscina<UploadTask, UploadOutcome>({ filename: workerFile, minThreads: threads, maxThreads: threads, idleTimeout: 2 ** 31 - 1 });
    pools.set(threads, pool);
  }
  return pool;
}

/** A publish's body as it arrived: the bytes, and the lengths of the chunks they came in. */
export interface Upload {
  tarball: Buffer;
  chunks: number[];
}

/**
 * Collects a publish's body on the event loop, and nothing else: unpacking, hashing and checking
 * it is the reader's work (readUpload). It stops one chunk past the size limit, where the reader,
 * fed the same chunks, refuses the upload as it would have while streaming.
 */
export async function collectUpload(body: AsyncIterable<Uint8Array>, limits: Partial<PackageLimits>): Promise<Upload> {
  const max = limits.maxTarballBytes ?? DEFAULT_LIMITS.maxTarballBytes;
  const parts: Uint8Array[] = [];
  const chunks: number[] = [];
  let size = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    chunks.push(chunk.byteLength);
    size += chunk.byteLength;
    if (size > max) break;
  }
  return { tarball: Buffer.concat(parts, size), chunks };
}

/** A publish's upload being read and validated: its archive facts come first, its report after. */
export interface ReadingUpload {
  /** Rejects with the reader's InputError when the bytes are not an acceptable tar.gz. */
  archive: Promise<ArchiveFacts>;
  report: Promise<ValidationReport>;
}

/** A refused upload rejects both promises; the caller awaits the report only after the archive. */
const handled = <T>(p: Promise<T>) => {
  p.catch(() => undefined);
  return p;
};

const refusedError = (outcome: UploadOutcome) => {
  if ('refused' in outcome) throw new InputError(outcome.refused.message, outcome.refused.code, outcome.refused.details);
  return outcome;
};

/**
 * Unpacks, hashes and validates an upload in the pool (`threads` > 0), so that the event loop
 * sees bytes go out and facts and a verdict come back; with 0 threads, on this thread. The
 * archive's facts (manifest, readme, integrity) arrive as soon as it is read, so the publish's
 * database checks run while the worker validates.
 */
export function readUpload(upload: Upload, limits: Partial<PackageLimits>, options: Omit<ValidateOptions, 'rejected'>, threads: number): ReadingUpload {
  const task: UploadTask = { bytes: upload.tarball, chunks: upload.chunks, limits, options };
  if (threads <= 0) {
    let early!: (facts: ArchiveFacts) => void;
    const read = new Promise<ArchiveFacts>((resolve) => (early = resolve));
    const done = readAndValidate(task, inlineMemo, early).then(refusedError);
    // A refused archive never calls back: its rejection is the answer.
    return { archive: Promise.race([read, done.then((o) => o.facts)]), report: handled(done.then((o) => o.report)) };
  }
  const { port1, port2 } = new MessageChannel();
  const early = new Promise<ArchiveFacts>((resolve) => port1.once('message', resolve));
  // The bytes are copied to the worker, not moved: this thread keeps them for the blob store.
  const done = (validatePool(threads).run({ ...task, port: port2 }, { transferList: [port2] }) as Promise<UploadOutcome>)
    .finally(() => port1.close())
    .then(refusedError);
  // The port's message and the task's result travel apart: whichever comes first.
  return { archive: Promise.race([early, done.then((o) => o.facts)]), report: handled(done.then((o) => o.report)) };
}

/** Stops every pool's workers (server shutdown, tests). */
export async function closeValidatePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy()));
}
