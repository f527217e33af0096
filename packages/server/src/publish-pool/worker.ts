import { BroadcastChannel, threadId } from 'node:worker_threads';
import { workerData } from 'piscina';
import { openPostgres } from '../db/database.js';
import { type StorageMetrics, InstrumentedBlobStore } from '../metrics.js';
import { storeVersion, type PublishEnv } from '../registry/publish.js';
import { createBlobStore } from '../storage/index.js';
import { CONNECTIONS_PER_WORKER, type Ended, type PublishTask, type PublishWorkerInit, sendError, type StorageOp, type WorkerMessage } from './messages.js';

/**
 * A publish worker (publish-pool/index.ts): it stores versions with its own database pool and
 * blob store, the same code the event loop would run (storeVersion), and validates them on its
 * own thread. Its connections are named after the replica's pool, `.../publish`, in pg_stat_activity.
 */

const init = workerData as PublishWorkerInit;
let queries = 0;
const opening = openPostgres(init.databaseUrl, () => queries++, init.databasePrepare, { max: CONNECTIONS_PER_WORKER, name: init.applicationName });
// No read cache: this thread only writes blobs, and a cached copy here would serve no reader.
const store = createBlobStore({ s3: init.s3, dataDir: init.dataDir, blobCacheBytes: 0 });

// PublishPool.close: the connections end with a goodbye, before the thread does.
const closing = new BroadcastChannel(init.closeChannel);
closing.unref();
closing.onmessage = async (m) => {
  if ((m as { data: unknown }).data !== 'close') return;
  await (await opening).close().catch(() => undefined);
  closing.postMessage({ closed: threadId });
};
// Heard by the pool: a worker that has not said so yet (still loading) is not waited for at close.
closing.postMessage({ ready: threadId });

/** Times the store's operations for the replica's metrics, one publish's apart from another's. */
const tally = (ops: StorageOp[]): StorageMetrics => ({
  storageDuration: {
    labels: (op) => ({
      startTimer: () => {
        const t0 = performance.now();
        return () => void ops.push([op, (performance.now() - t0) / 1000]);
      },
      observe: (seconds) => void ops.push([op, seconds]),
    }),
  },
  storageErrors: { inc: ({ op }) => void ops.push([op, null]) },
});

export default async function storeInWorker(task: PublishTask): Promise<void> {
  const { port } = task;
  const started = performance.now();
  const send = (m: WorkerMessage) => port.postMessage(m);
  const storage: StorageOp[] = [];
  const took = () => {
    const n = queries;
    queries = 0;
    return n;
  };
  let ended: Ended;
  try {
    const env: PublishEnv = {
      db: (await opening).db,
      store: new InstrumentedBlobStore(store, tally(storage)),
      limits: init.limits,
      // This thread is already off the event loop: it validates itself, with no pool of its own.
      validation: { ...init.validation, threads: 0 },
    };
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    const stored = await storeVersion(env, task.actor, { tarball: bytes, chunks: task.chunks }, task.opts, task.write, {
      manifest: (name, version) => send({ type: 'manifest', name, version }),
      committing: (committing) => send({ type: 'committing', committing }),
    });
    ended = { stored, ms: performance.now() - started, queries: took(), storage };
  } catch (e) {
    ended = { error: sendError(e), ms: performance.now() - started, queries: took(), storage };
  }
  send({ type: 'ended', ended });
  port.close();
}
