import { createRequire } from 'node:module';
import { BroadcastChannel, MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Actor } from '../auth/tokens.js';
import type { Metrics } from '../metrics.js';
import type { PublishEvents, PublishOptions, Stored } from '../registry/publish.js';
import type { Upload } from '../validate-pool/index.js';
import { CONNECTIONS_PER_WORKER, type Ended, type PublishTask, type PublishWorkerInit, receiveError, type WorkerMessage } from './messages.js';

/**
 * Publishes off the event loop. A publish costs the thread that runs it about 15 ms of CPU beyond
 * validation (the database protocol of some 20 statements, the S3 SDK's request, the search
 * document), in many short slices: on the event loop every read that arrives meanwhile waits
 * behind them (reads slowed by 20 % at p50 and 30 to 50 % at p99 at two publishes a second,
 * bench/mixed-load.mjs). In a worker with its own database pool and blob store, the event loop
 * hands over the bytes, hears the manifest and the commit, and does only what the replica itself
 * must: its snapshot and search index (registry/publish.ts).
 *
 * Used with a Postgres server and VALIDATE_THREADS > 0: that many workers, one publish at a time
 * each, which validate too, in place of the validation pool. PGlite lives in this thread and
 * cannot be shared, and with tracing on a publish stays on the event loop so that its spans nest
 * under the request's.
 */
export class PublishPool {
  private readonly pool: Piscina<PublishTask, void>;
  /** Where close asks the workers to close their database connections (worker.ts). */
  private readonly closeChannel = `unjucks-publish-pool/${process.pid}/${Math.random().toString(36).slice(2)}`;
  /** Workers that said they listen on it, by thread id. */
  private readonly listening = new Set<number>();
  private readonly channel = new BroadcastChannel(this.closeChannel);
  /** The most database connections the workers open together (the replica's metrics). */
  readonly maxConnections: number;

  constructor(
    threads: number,
    init: Omit<PublishWorkerInit, 'closeChannel'>,
    private readonly metrics: Metrics,
    onError: (e: unknown) => void,
  ) {
    this.maxConnections = threads * CONNECTIONS_PER_WORKER;
    const filename = createRequire(import.meta.url).resolve('@unjucks/server/publish-worker');
    // Kept, like the validation pool's: a fresh worker pays its module loading and connections.
    // One publish at a time per worker, as the validation pool validated: a worker validating a
    // large upload would otherwise hold up the others it runs, in their transactions with their
    // row locks taken, and a validator that takes its worker down would take them with it.
    this.pool = new Piscina<PublishTask, void>({
      filename,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 2 ** 31 - 1,
      // A publish at a time allocates little that lives: a small young generation keeps each
      // worker some 9 MB smaller (measured), for a few more scavenges off the event loop.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      workerData: { ...init, closeChannel: this.closeChannel } satisfies PublishWorkerInit,
    });
    // A worker that fails between tasks: Piscina replaces it, and an unheard 'error' would end the process.
    this.pool.on('error', onError);
    this.channel.unref();
    this.channel.onmessage = (m) => {
      const data = (m as { data: { ready?: number } }).data;
      if (typeof data?.ready === 'number') this.listening.add(data.ready);
    };
  }

  /** Stores one version in a worker: storeVersion's answer, or its error, as if it ran here. */
  async run(actor: Actor, upload: Upload, opts: PublishOptions, write: string, events: PublishEvents): Promise<Stored> {
    const { port1, port2 } = new MessageChannel();
    // The manifest, the commit and the end come in that order on one port; the task's own result
    // travels apart, so the end is taken from the port, after what came before it.
    const ended = new Promise<Ended>((resolve) => {
      port1.on('message', (m: WorkerMessage) => {
        if (m.type === 'ended') return resolve(m.ended);
        try {
          if (m.type === 'manifest') events.manifest(m.name, m.version);
          else events.committing(m.committing);
        } catch {
          // Bookkeeping for this replica (the audit's target, the next snapshot), which the worker's
          // publish goes on without: a throw here would end the process, not the publish. Without
          // the snapshot, the commit's notice reloads it.
        }
      });
    });
    // The body's bytes move to the worker when they own their memory (a publish body is read into
    // one buffer of its own); a slice of Node's shared pool is copied instead.
    const bytes = upload.tarball;
    const owned = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength && bytes.buffer instanceof ArrayBuffer;
    const task: PublishTask = { actor, bytes, chunks: upload.chunks, opts, write, port: port2 };
    const sent = performance.now();
    try {
      const running = this.pool.run(task, { transferList: owned ? [port2, bytes.buffer as ArrayBuffer] : [port2] });
      // A worker that dies rejects the task; one that ends has said so on the port first.
      const outcome = await Promise.race([ended, running.then(() => ended)]);
      this.count(outcome);
      if ('error' in outcome) throw receiveError(outcome.error);
      // The time the publish was not the worker's: waiting for a free worker, and the hand-overs.
      const queue: [string, number] = ['queue', Math.max(0, performance.now() - sent - outcome.ms)];
      return { ...outcome.stored, phases: [queue, ...outcome.stored.phases] };
    } finally {
      port1.close();
    }
  }

  private count(outcome: Ended) {
    this.metrics.dbQueries.inc(outcome.queries);
    for (const [op, seconds] of outcome.storage)
      if (seconds === null) this.metrics.storageErrors.inc({ op });
      else this.metrics.storageDuration.labels(op).observe(seconds);
  }

  /**
   * Lets each worker close its database connections (at most 5 s), then stops the workers: ended
   * with their thread, the connections would go without a goodbye, which Postgres logs as an error.
   */
  async close(): Promise<void> {
    const { channel } = this;
    let timer: NodeJS.Timeout | undefined;
    try {
      // The workers alive that listen; one still loading (or replaced) has no connection to close.
      const alive = new Set(this.pool.threads.map((t) => t.threadId));
      const waiting = new Set([...this.listening].filter((id) => alive.has(id)));
      const allClosed = new Promise<void>((resolve) => {
        if (waiting.size === 0) resolve();
        channel.onmessage = (m) => {
          const data = (m as { data: { closed?: number } }).data;
          if (typeof data?.closed === 'number' && waiting.delete(data.closed) && waiting.size === 0) resolve();
        };
      });
      channel.postMessage('close');
      await Promise.race([allClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
    } finally {
      clearTimeout(timer);
      channel.close();
      await this.pool.destroy();
    }
  }
}
