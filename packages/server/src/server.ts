import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import { serve } from '@hono/node-server';
import { hotReads } from './hot-reads.js';
import { sql } from 'drizzle-orm';
import { createApp } from './app.js';
import { signingKeys } from './db/schema.js';
import { createLogger, loggableError, type Logger } from './log.js';
import { HookWorker } from './hooks/worker.js';
import { InstrumentedBlobStore, Metrics } from './metrics.js';
import { KeyRing } from './auth/keys.js';
import { loadSealingKey, sealingProblem } from './auth/seal.js';
import { passwordHashing } from './auth/password.js';
import { bootstrapAdmin } from './bootstrap.js';
import { publicUrlFor, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import type { RegistryContext } from './registry/context.js';
import { SnapshotCache } from './registry/snapshot.js';
import { StoredDocuments } from './registry/stored-documents.js';
import { ChangeFeed } from './cache/feed.js';
import { attachCaches, ReplicaCaches } from './cache/replica-caches.js';
import { DownloadCounter } from './search/downloads.js';
import { SearchSync } from './search/sync.js';
import { createBlobStore } from './storage/index.js';
import { validatePool } from './validate-pool/index.js';
import { PublishPool } from './publish-pool/index.js';
import { traceRequests } from './tracing/http.js';
import { traceSearch } from './tracing/search.js';
import { startTracing } from './tracing/setup.js';

type Listener = (incoming: IncomingMessage, outgoing: ServerResponse) => void;

export interface RunningRegistry {
  url: string;
  registry: RegistryContext;
  close(): Promise<void>;
}

/** Opens the database (migrating it), the blob store, bootstraps the admin, and listens. */
export async function startRegistry(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningRegistry> {
  const log = (msg: string, fields?: Record<string, unknown>) => logger.log('info', msg, fields);
  // Before the database is even opened: a shared one must not get keys sealed with a local secret.
  const sealingRefused = sealingProblem({ secret: config.signingKeySecret, databaseUrl: config.databaseUrl, signingKey: config.signingKey });
  if (sealingRefused) throw new Error(sealingRefused);
  // Before the database is opened: its client is wrapped for spans only when tracing is on.
  const tracing = await startTracing((level, msg) => logger.log(level, msg));
  if (tracing) log(`tracing: exporting spans over ${tracing.describe}`);
  // Counted from the first query; the Metrics registry exists before anything is measured.
  const metrics = new Metrics();
  const database = await openDatabase({ ...config, holder: 'a running registry server', onQuery: () => metrics.dbQueries.inc() }).catch(async (e) => {
    await tracing?.shutdown();
    throw e;
  });
  let publishPool: PublishPool | undefined;
  try {
    for (const w of config.warnings) logger.log('warn', w);
    passwordHashing.configure(config.passwordHashing);
    await database.migrate();
    const sealing = await loadSealingKey({
      secret: config.signingKeySecret,
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      signingKey: config.signingKey,
    });
    if (sealing.source === 'file' && database.kind === 'postgres')
      logger.log(
        'warn',
        'SIGNING_KEY_SECRET is not set: tokens are signed with SIGNING_KEY, and keys rotated here are sealed with DATA_DIR/signing-key.secret, which other replicas do not share',
      );
    const keys = new KeyRing(database.db, sealing.key);
    const resealed = await keys.sealLegacyKeys();
    if (config.signingKey) log(`signing tokens with the configured key ${await keys.useConfiguredKey(config.signingKey)}`);
    if (resealed) log(`sealed ${resealed} signing key(s) that were stored in the clear`);
    metrics.watchPool(() => database.poolStats());
    const store = new InstrumentedBlobStore(createBlobStore(config), metrics);
    await store.ping().catch((e: Error) => logger.log('warn', `storage (${store.describe}) did not answer: ${e.message}`));
    const tokenPath = await bootstrapAdmin(database.db, keys, config.dataDir, config.tokenMaxLifetimeSeconds);
    if (tokenPath) log(`created user admin; its registry-admin token is in ${tokenPath} (mode 0600)`);

    const sync = await SearchSync.open(
      database,
      { engine: config.searchEngine, maxPackages: config.searchMemoryMaxPackages, cacheEntries: config.searchCacheEntries },
      log,
    );
    await sync.start();
    log(
      sync.kind === 'memory'
        ? `search index loaded: ${sync.lastBuild.docs} packages in ${sync.lastBuild.ms} ms`
        : 'search answered by Postgres (SEARCH_ENGINE or SEARCH_MEMORY_MAX_PACKAGES)',
    );
    // Started now so the first publish does not wait for workers to load their code. With a
    // Postgres server, whole publishes run in workers (publish-pool/), which validate as well;
    // PGlite is this thread's alone, and a traced publish stays here so its spans nest.
    publishPool =
      config.validation.threads && config.databaseUrl && !tracing
        ? new PublishPool(
            config.validation.threads,
            {
              databaseUrl: config.databaseUrl,
              databasePrepare: config.databasePrepare,
              applicationName: database.connectionName('publish'),
              s3: config.s3,
              dataDir: config.dataDir,
              limits: config.limits,
              validation: config.validation,
            },
            metrics,
            (e) => logger.log('error', 'a publish worker failed; it is replaced', { error: loggableError(e) }),
          )
        : undefined;
    if (publishPool) metrics.watchPublishConnections(() => database.connectionsOf('publish'), publishPool.maxConnections);
    if (config.validation.threads && !publishPool) validatePool(config.validation.threads);
    const downloads = new DownloadCounter(database.db, config.downloadsFlushMs);
    downloads.start();
    // Before the first request: the caches are trusted only while this feed is live.
    const changes = await new ChangeFeed((msg) => logger.log('warn', msg)).open(database);
    metrics.watchCache(() => changes.live);
    attachCaches(database.db, new ReplicaCaches(changes, (cache, hit) => metrics.cacheLookup(cache, hit)));
    const registry: RegistryContext = {
      db: database.db,
      store,
      keys,
      limits: config.limits,
      tokenMaxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
      unpublishWindowSeconds: config.unpublishWindowSeconds,
      publicUrl: '',
      cache: new SnapshotCache(
        2000,
        (hit) => metrics.cacheLookup('metadata', hit),
        changes,
        config.metadataCacheBytes || Number.POSITIVE_INFINITY,
        database.db,
      ),
      documents: config.storedDocuments
        ? new StoredDocuments(
            database.db,
            () => registry.publicUrl,
            (hit) => metrics.cacheLookup('documents', hit),
            (e) => logger.log('warn', 'storing rendered documents failed; they are rendered again on the next miss', { error: loggableError(e) }),
          )
        : undefined,
      changes,
      metrics,
      validation: config.validation,
      oidc: config.oidc,
      search: traceSearch(sync.engine, sync.kind),
      publishPool,
      downloads,
      afterChange: (id, write) => sync.refresh([id], write),
      webhooks: config.webhooks,
    };
    // Every replica delivers webhooks; row locks keep them from sending one delivery twice.
    const hooks = new HookWorker(database.db, keys, config.webhooks, (e) => logger.log('error', 'webhook delivery round failed', { error: loggableError(e) }));
    hooks.start();
    const app = createApp(registry, {
      logger,
      readiness: {
        // A query against a migrated table: answers only when the database is up and migrated.
        database: async () => {
          await database.db.select({ n: sql`1` }).from(signingKeys).limit(1);
        },
        storage: () => store.ping(),
      },
      metrics,
      metricsToken: config.metricsToken,
      limits: { ...config.requestLimits, passwordChecksPerAddress: config.passwordHashing.perAddress },
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve(
        {
          fetch: app.fetch,
          // The hot reads are answered before Hono when they can be (hot-reads.ts); with tracing on,
          // every request, hot or not, is one span (tracing/http.ts).
          createServer: ((options: ServerOptions, listener: Listener) => createServer(options, traceRequests(hotReads(app, listener)))) as typeof createServer,
          port: config.port,
          hostname: config.host,
          serverOptions: {
            maxHeaderSize: config.maxHeaderBytes,
            requestTimeout: config.requestTimeoutMs,
            headersTimeout: Math.min(config.requestTimeoutMs, 20_000),
            // Node checks the timeouts only this often; by default every 30 s.
            connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(config.requestTimeoutMs / 4))),
          },
        },
        () => resolve(s),
      );
      s.once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    registry.publicUrl = publicUrlFor(config, port);
    database.lock?.update({ url: registry.publicUrl });
    // The address it listens on first (what a script or a health check on this machine connects to),
    // then PUBLIC_URL when that is another (a proxy's): the one its documents link to.
    const local = publicUrlFor({ ...config, publicUrl: null }, port);
    const publicNote = local === registry.publicUrl ? '' : `; public URL: ${registry.publicUrl}`;
    log(`unjucks-registry listening on ${local} (database: ${database.describe}; storage: ${store.describe}${publicNote})`);

    let closing: Promise<void> | null = null;
    return {
      url: registry.publicUrl,
      registry,
      close: () =>
        (closing ??= (async () => {
          // Stop accepting; idle keep-alive sockets go now, busy ones when their response is done.
          const http = server as import('node:http').Server;
          const closed = new Promise<void>((resolve) => http.close(() => resolve()));
          http.closeIdleConnections?.();
          const idleSweep = setInterval(() => http.closeIdleConnections?.(), 100);
          const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs).unref());
          if ((await Promise.race([closed, deadline])) === 'timeout') {
            logger.log('warn', `requests still running after ${config.shutdownTimeoutMs} ms; closing their connections`);
            http.closeAllConnections?.();
            await closed;
          }
          clearInterval(idleSweep);
          await publishPool?.close().catch((e) => logger.log('warn', 'the publish workers did not close cleanly', { error: loggableError(e) }));
          await hooks.stop();
          await registry.documents?.flush();
          await downloads.stop();
          await sync.stop();
          await changes.close();
          await database.close();
          // Last: exports the spans of everything above.
          await tracing?.shutdown();
        })()),
    };
  } catch (e) {
    await publishPool?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    await tracing?.shutdown().catch(() => undefined);
    throw e;
  }
}
