import { createRequire } from 'node:module';
import type { PackageFile, ValidationReport } from '@unjucks/core';
import { packFiles, VALIDATOR_VERSION, ValidationMemo, validateFiles, type ValidateOptions, type ValidateTask } from '@unjucks/validate';
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
const pools = new Map<number, Piscina<ValidateTask, ValidationReport>>();
/** Per-file results for validation on this thread (each worker keeps its own: worker-task.ts). */
const inlineMemo = new ValidationMemo(VALIDATOR_VERSION);

/** The process's pool of this size, started on first use; its workers load the validator at once. */
export function validatePool(threads: number): Piscina<ValidateTask, ValidationReport> {
  let pool = pools.get(threads);
  if (!pool) {
    // Workers are kept: a fresh one pays ~100 ms loading the validator before its first package.
    pool = new Piscina<ValidateTask, ValidationReport>({ filename: workerFile, minThreads: threads, maxThreads: threads, idleTimeout: 2 ** 31 - 1 });
    pools.set(threads, pool);
  }
  return pool;
}

/**
 * Validates a package's files in the pool (`threads` > 0) or, with 0 threads, on this thread as
 * before. Same arguments and report as validateFiles.
 */
export async function validateOffThread(files: PackageFile[], options: ValidateOptions, threads: number): Promise<ValidationReport> {
  if (threads <= 0) return validateFiles(files, options, inlineMemo);
  const packed = packFiles(files);
  return validatePool(threads).run({ files: packed, options }, { transferList: [packed.bytes.buffer] });
}

/** Stops every pool's workers (server shutdown, tests). */
export async function closeValidatePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy()));
}
