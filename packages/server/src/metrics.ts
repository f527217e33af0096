import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BlobStore, ListedBlob, StoredBlob } from './storage/blob-store.js';
import { UnavailableError } from './errors.js';
import { childSpan, failSpan, SpanKind, tracingOn } from './tracing/index.js';

type ConnectionStats = { active: number; idle: number; max: number };

/**
 * Database connections by state (active, idle) and the most there may be (max), sampled on scrape
 * from what `source` answers once it is set.
 */
function connectionGauge(registry: Registry, name: string, help: string, source: () => (() => Promise<ConnectionStats>) | null): Gauge<string> {
  const gauge: Gauge<string> = new Gauge({
    name,
    help,
    labelNames: ['state'],
    registers: [registry],
    collect: async () => {
      const stats = source();
      if (!stats) return;
      try {
        const s = await stats();
        gauge.set({ state: 'active' }, s.active);
        gauge.set({ state: 'idle' }, s.idle);
        gauge.set({ state: 'max' }, s.max);
      } catch {
        // The database is down: /ready says so; a scrape still answers with the rest.
      }
    },
  });
  return gauge;
}

// Per-package download labels stop here; the rest are counted under "other", so a registry with
// many packages cannot blow up the time series count.
const MAX_PACKAGE_LABELS = 200;
/** The one label every private package's downloads share. */
export const PRIVATE_LABEL = '(private)';

/**
 * Counter increments added up in plain numbers and handed to prom-client when it is scraped:
 * prom-client hashes the label values on every inc, even through a bound child, and the hot reads
 * count three or four things each.
 */
class Tallies {
  private readonly pending = new Map<string, { labels: Record<string, string>; n: number }>();

  /** The tally of one label set; keep it (a bounded set of label values per counter). */
  of(labels: Record<string, string>): { inc(): void } {
    const key = Object.values(labels).join('\0');
    let t = this.pending.get(key);
    if (!t) this.pending.set(key, (t = { labels, n: 0 }));
    const tally = t;
    return { inc: () => void tally.n++ };
  }

  drop(labels: Record<string, string>) {
    this.pending.delete(Object.values(labels).join('\0'));
  }

  /** The counter's collect: what was counted since the last scrape goes in. */
  flushInto(counter: Counter<string>) {
    for (const t of this.pending.values())
      if (t.n > 0) {
        counter.inc(t.labels, t.n);
        t.n = 0;
      }
  }
}

/** The registry's Prometheus metrics, on a registry of their own (no global state). */
export class Metrics {
  readonly registry = new Registry();
  private readonly requestTallies = new Tallies();
  private readonly cacheTallies = new Tallies();
  private readonly hotReadTallies = new Tallies();
  private readonly downloadTallies = new Tallies();
  private readonly httpRequests: Counter<string> = new Counter({
    name: 'unjucks_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
    collect: (): void => this.requestTallies.flushInto(this.httpRequests),
  });
  readonly httpDuration = new Histogram({
    name: 'unjucks_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly publishes = new Counter({
    name: 'unjucks_publishes_total',
    help: 'Publishes by result: created, retry, rejected',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: 'unjucks_publish_rejections_total',
    help: 'Error findings in refused publishes, by validation rule id',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  private readonly downloads: Counter<string> = new Counter({
    name: 'unjucks_downloads_total',
    help: 'Tarball downloads by package (the first 200 public packages seen; the rest as "other", private ones as "(private)")',
    labelNames: ['package'],
    registers: [this.registry],
    collect: (): void => this.downloadTallies.flushInto(this.downloads),
  });
  readonly searchDuration = new Histogram({
    name: 'unjucks_search_duration_seconds',
    help: 'Search latency inside the server',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  private readonly cache: Counter<string> = new Counter({
    name: 'unjucks_cache_requests_total',
    help: 'Cache lookups by cache and result',
    labelNames: ['cache', 'result'],
    registers: [this.registry],
    collect: (): void => this.cacheTallies.flushInto(this.cache),
  });
  readonly storageDuration = new Histogram({
    name: 'unjucks_storage_operation_duration_seconds',
    help: 'Blob store operation latency',
    labelNames: ['op'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly storageErrors = new Counter({
    name: 'unjucks_storage_errors_total',
    help: 'Blob store operations that failed',
    labelNames: ['op'],
    registers: [this.registry],
  });
  readonly auditSkipped = new Counter({
    name: 'unjucks_audit_skipped_total',
    help: 'Requests to audited routes not stored in the audit log because they carried no identity (anonymous and refused), by action and status',
    labelNames: ['action', 'status'],
    registers: [this.registry],
  });
  private readonly hotReads: Counter<string> = new Counter({
    name: 'unjucks_hot_reads_total',
    help: 'Hot GETs (packuments, package documents, tarballs), while the caches are live: answered before the framework, or passed to it (fallback: a refusal or an error)',
    labelNames: ['result'],
    registers: [this.registry],
    collect: (): void => this.hotReadTallies.flushInto(this.hotReads),
  });
  private readonly packageLabels = new Set<string>();
  private poolStats: (() => Promise<ConnectionStats>) | null = null;
  readonly dbPool = connectionGauge(
    this.registry,
    'unjucks_db_pool_connections',
    "This replica's database connections by state (active, idle) and the pool's maximum (max); sampled from pg_stat_activity on scrape",
    () => this.poolStats,
  );
  private publishStats: (() => Promise<ConnectionStats>) | null = null;
  readonly dbPublishConnections = connectionGauge(
    this.registry,
    'unjucks_db_publish_connections',
    "This replica's publish workers' database connections by state (active, idle) and the most they open (max); sampled from pg_stat_activity on scrape",
    () => this.publishStats,
  );

  /** Queries this process sent through its pool; a hot read in steady state sends none. */
  readonly dbQueries = new Counter({
    name: 'unjucks_db_queries_total',
    help: 'Queries sent through the database pool (not the listening connection)',
    registers: [this.registry],
  });
  /** 1 while the change feed vouches for the caches; 0 while they are bypassed. */
  private cacheLiveProbe: (() => boolean) | null = null;
  readonly cacheLive = new Gauge({
    name: 'unjucks_cache_live',
    help: '1 while the change notifications are heard and the caches are used; 0 while reads go to the database',
    registers: [this.registry],
    collect: () => {
      if (this.cacheLiveProbe) this.cacheLive.set(this.cacheLiveProbe() ? 1 : 0);
    },
  });

  watchCache(live: () => boolean) {
    this.cacheLiveProbe = live;
  }

  /** Where the pool gauge reads from; set once the database is open. */
  watchPool(stats: () => Promise<ConnectionStats>) {
    this.poolStats = stats;
  }

  /** The publish workers' connections (publish-pool/), beside the pool's: only when there are workers. */
  watchPublishConnections(connections: () => Promise<{ active: number; idle: number }>, max: number) {
    this.publishStats = async () => ({ ...(await connections()), max });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'unjucks_' });
  }

  private readonly lookups = new Map<string, { inc(): void }[]>();
  /** Counts a cache lookup by cache and result. */
  cacheLookup(cache: string, hit: boolean) {
    // Every hot read looks up two or three caches: no key string built per lookup.
    let tallies = this.lookups.get(cache);
    if (!tallies) this.lookups.set(cache, (tallies = [this.cacheTallies.of({ cache, result: 'miss' }), this.cacheTallies.of({ cache, result: 'hit' })]));
    tallies[hit ? 1 : 0]!.inc();
  }

  /** A request's count by method, route template and status; the caller keeps it per label set. */
  requestCount(method: string, route: string, status: number): { inc(): void } {
    return this.requestTallies.of({ method, route, status: String(status) });
  }

  /** The count of hot reads that were answered before the framework, or passed to it. */
  hotReadCount(result: 'answered' | 'fallback'): { inc(): void } {
    return this.hotReadTallies.of({ result });
  }

  private readonly downloadLabels = new Map<string, { inc(): void }>();
  private downloadTally(label: string) {
    let t = this.downloadLabels.get(label);
    if (!t) this.downloadLabels.set(label, (t = this.downloadTallies.of({ package: label })));
    return t;
  }

  /**
   * Counts a download. A private package is never named (metrics are often scraped without a
   * token): it counts under "(private)", and a package that turned private loses its own series.
   */
  download(name: string, isPrivate: boolean) {
    if (isPrivate) {
      if (this.packageLabels.delete(name)) {
        this.downloadTallies.drop({ package: name });
        this.downloads.remove({ package: name });
      }
      this.downloadTally(PRIVATE_LABEL).inc();
      return;
    }
    if (this.packageLabels.size < MAX_PACKAGE_LABELS) this.packageLabels.add(name);
    this.downloadTally(this.packageLabels.has(name) ? name : 'other').inc();
  }
}

/**
 * Where a blob store's timings and failures go: the Metrics of this process, or a publish worker's
 * tally that it sends back with the publish (publish-pool/).
 */
export interface StorageMetrics {
  storageDuration: { labels(op: string): { startTimer(): () => void; observe(seconds: number): void } };
  storageErrors: { inc(labels: { op: string }): void };
}

/** Times and counts every operation of a blob store. */
export class InstrumentedBlobStore implements BlobStore {
  readonly describe: string;
  private readonly timers: Record<string, { startTimer(): () => void }> = {};

  constructor(
    private readonly inner: BlobStore,
    private readonly metrics: StorageMetrics,
  ) {
    this.describe = inner.describe;
  }

  private async time<T>(op: string, run: () => Promise<T>): Promise<T> {
    // A child per operation, bound once: a label object is hashed on every call otherwise.
    const end = (this.timers[op] ??= this.metrics.storageDuration.labels(op)).startTimer();
    // Also a span when a request (or a publish) is being traced: `blob put`, `blob get`, ...
    const span = tracingOn ? childSpan(`blob ${op}`, SpanKind.CLIENT, { 'blob.operation': op, 'blob.store': this.inner.describe }) : null;
    try {
      return await run();
    } catch (e) {
      if (span) failSpan(span, e);
      this.metrics.storageErrors.inc({ op });
      // Whatever went wrong in the store, for the client it is the same: try again later.
      throw new UnavailableError(
        `storage (${this.inner.describe}) is unavailable: ${(e as Error).message}; ${op === 'put' ? 'nothing was stored; ' : ''}try again shortly`,
      );
    } finally {
      end();
      span?.end();
    }
  }

  put(key: string, bytes: Uint8Array) {
    return this.time('put', () => this.inner.put(key, bytes));
  }
  get(key: string): Promise<StoredBlob | null> {
    return this.time('get', () => this.inner.get(key));
  }
  private memoryGets?: { observe(v: number): void };
  /** A read from memory is still a get to the metrics: counted, in no time worth measuring. */
  peek(key: string): Uint8Array | undefined {
    const bytes = this.inner.peek?.(key);
    if (bytes) (this.memoryGets ??= this.metrics.storageDuration.labels('get')).observe(0);
    return bytes;
  }
  has(key: string) {
    return this.time('has', () => this.inner.has(key));
  }
  delete(key: string) {
    return this.time('delete', () => this.inner.delete(key));
  }
  list(): AsyncIterable<ListedBlob> {
    return this.inner.list();
  }
  ping() {
    return this.time('ping', () => this.inner.ping());
  }
}
