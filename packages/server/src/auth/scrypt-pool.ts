import { Worker } from 'node:worker_threads';
import { UnavailableError } from '../errors.js';

export interface ScryptJob {
  password: string;
  salt: Buffer;
  keyLength: number;
  N: number;
  r: number;
  p: number;
  maxmem: number;
}

// Plain CommonJS evaluated in the worker: it runs the same from dist/ and from the TypeScript
// sources under vitest, with no file of its own to find. scryptSync is right here: the worker
// thread is the one that waits, never libuv's pool (which gunzip and fs share).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', (job) => {
  try {
    const key = scryptSync(job.password, Buffer.from(job.salt), job.keyLength, { N: job.N, r: job.r, p: job.p, maxmem: job.maxmem });
    parentPort.postMessage({ key });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  }
});
`;

interface Pending {
  job: ScryptJob;
  resolve: (key: Buffer) => void;
  reject: (e: Error) => void;
}

/**
 * Password hashing (scrypt at 128 MiB each) on a few worker threads of its own: at most
 * `concurrency` at once, `maxQueued` more waiting, and past that a 503 at once. Many logins at
 * once then cost a bounded amount of memory and CPU and never queue ahead of publishes' gunzip.
 */
export class ScryptPool {
  private readonly idle: Worker[] = [];
  private running = 0;
  private readonly queue: Pending[] = [];

  constructor(
    private concurrency = 2,
    private maxQueued = 32,
  ) {}

  configure(opts: { concurrency?: number; maxQueued?: number }) {
    if (opts.concurrency !== undefined) this.concurrency = Math.max(1, opts.concurrency);
    if (opts.maxQueued !== undefined) this.maxQueued = Math.max(0, opts.maxQueued);
  }

  get stats() {
    return { running: this.running, queued: this.queue.length, concurrency: this.concurrency, maxQueued: this.maxQueued };
  }

  run(job: ScryptJob): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.running >= this.concurrency && this.queue.length >= this.maxQueued)
        return reject(
          new UnavailableError(
            `too many password checks are waiting on this replica (${this.running} running, ${this.queue.length} queued); try again in a few seconds`,
            2,
          ),
        );
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running++;
      this.start(next);
    }
  }

  private start({ job, resolve, reject }: Pending) {
    const worker = this.idle.pop() ?? this.spawn();
    // Busy, the worker keeps the process alive (a CLI command awaiting its hash); idle, it does not.
    worker.ref();
    const done = (worker: Worker | null) => {
      this.running--;
      if (worker) {
        worker.unref();
        this.idle.push(worker);
      }
      this.pump();
    };
    const onExit = () => {
      worker.off('message', onMessage);
      reject(new Error('the password hashing worker stopped unexpectedly'));
      done(null);
    };
    const onMessage = (m: { key?: Uint8Array; error?: string }) => {
      worker.off('exit', onExit);
      if (m.key) resolve(Buffer.from(m.key));
      else reject(new Error(`password hashing failed: ${m.error}`));
      done(worker);
    };
    worker.once('message', onMessage);
    worker.once('exit', onExit);
    worker.postMessage(job);
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    // Idle workers must not keep a CLI command (or a stopping server) alive.
    w.unref();
    return w;
  }
}
