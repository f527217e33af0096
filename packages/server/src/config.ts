import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { CAPABILITY_NAMES, DEFAULT_LIMITS, InputError, parseDuration, type CapabilityName, type PackageLimits } from '@unjucks/core';
import semver from 'semver';
import { parseLogLevel, type LogLevel } from './log.js';
import { parseTrustProxy } from './client-address.js';
import { loadOidcSettings, type OidcSettings } from './oidc/issuers.js';
import { DEFAULT_WEBHOOK_SETTINGS } from './hooks/settings.js';

export interface S3Config {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  prefix: string;
}

export interface Config {
  port: number;
  host: string;
  /** Base of every absolute URL the server writes; derived from host and port when unset. */
  publicUrl: string | null;
  dataDir: string;
  databaseUrl: string | null;
  /** Named prepared statements (one round trip per query); off for PgBouncer before 1.21 in transaction mode. */
  databasePrepare: boolean;
  s3: S3Config | null;
  limits: PackageLimits;
  /** Bytes of recently downloaded tarballs kept in memory; 0 turns the cache off. */
  blobCacheBytes: number;
  /** Estimated bytes of package snapshots kept (registry/snapshot.ts); 0: bounded by count alone. */
  metadataCacheBytes: number;
  /** STORED_DOCUMENTS: rendered metadata documents kept in Postgres for every replica (registry/stored-documents.ts). */
  storedDocuments: boolean;
  /**
   * V8's old-generation growth past the live heap after each full GC, in percent (`start` sets
   * --heap-growing-percent); 0 leaves V8's own factor (up to 4x while allocation is fast).
   */
  heapGrowingPercent: number;
  /** How often counted downloads are written (one batched upsert). */
  downloadsFlushMs: number;
  /** Search results kept per replica for repeated queries; 0 turns the cache off. */
  searchCacheEntries: number;
  /** Which engine answers searches; `auto` picks memory up to searchMemoryMaxPackages. */
  searchEngine: 'memory' | 'postgres' | 'auto';
  searchMemoryMaxPackages: number;
  logLevel: LogLevel;
  /** When set, GET /metrics requires it as a bearer token. */
  metricsToken: string | null;
  /** Seals the token signing keys in the database; every replica must share it. Else DATA_DIR/signing-key.secret. */
  signingKeySecret: string | null;
  /** A private EC P-256 JWK (JSON) to sign tokens with, instead of generated keys. */
  signingKey: string | null;
  /** The longest a token may live, and the lifetime of one that does not say. */
  tokenMaxLifetimeSeconds: number;
  /** How long after publishing an owner may still unpublish a version; admins may at any time. */
  unpublishWindowSeconds: number;
  requestLimits: import('./middleware/limits.js').RequestLimits;
  /** Largest request head (request line and headers) in bytes; Node answers 431 past it. */
  maxHeaderBytes: number;
  /** A request that has not fully arrived by then gets 408 (slow bodies, slow-loris). */
  requestTimeoutMs: number;
  /** How long in-flight requests get to finish after SIGTERM before their connections are cut. */
  shutdownTimeoutMs: number;
  /** Password hashing (scrypt, 128 MiB each): at once, waiting, and at once from one address. */
  passwordHashing: { concurrency: number; maxQueued: number; perAddress: number };
  /** Trusted publishing: OIDC_ISSUERS (beside GitHub Actions and gitlab.com) and OIDC_TOKEN_LIFETIME. */
  oidc: OidcSettings;
  /** Said once at startup: settings that work but should be changed. */
  warnings: string[];
  webhooks: import('./hooks/settings.js').WebhookSettings;
  validation: {
    /** Unjucks versions this registry supports; null means the validator's default list. */
    supportedUnjucks: string[] | null;
    /** Capabilities a package may not have here. */
    refuseCapabilities: CapabilityName[];
    /** VALIDATE_THREADS: worker threads validating publishes, and storing them with a Postgres server (publish-pool/); 0 publishes on the event loop. */
    threads?: number;
  };
}

const CAPABILITIES: readonly CapabilityName[] = CAPABILITY_NAMES;

function listVar<T extends string>(env: Env, name: string, check: (v: string) => boolean, what: string): T[] | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  const items = raw.split(/[\s,]+/).filter(Boolean);
  const bad = items.find((i) => !check(i));
  if (bad !== undefined) throw new InputError(`${name}: ${JSON.stringify(bad)} is not ${what}`);
  return items as T[];
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return n;
}

function searchEngineVar(raw: string | undefined): Config['searchEngine'] {
  const v = (raw ?? '').trim().toLowerCase() || 'auto';
  if (v !== 'memory' && v !== 'postgres' && v !== 'auto') throw new InputError(`SEARCH_ENGINE must be memory, postgres or auto, got ${JSON.stringify(raw)}`);
  return v;
}

const boolVar = (env: Env, name: string) => /^(1|true|yes|on)$/i.test(env[name] ?? '');

/** Reads the configuration from environment variables; the README documents each one. */
export function loadConfig(env: Env = process.env): Config {
  const bucket = env.S3_BUCKET?.trim();
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  return {
    passwordHashing: {
      concurrency: Math.max(1, intVar(env, 'PASSWORD_HASH_CONCURRENCY', 2)),
      maxQueued: intVar(env, 'PASSWORD_HASH_QUEUE', 32),
      perAddress: intVar(env, 'PASSWORD_CHECKS_PER_ADDRESS', 2),
    },
    warnings: trustProxy.deprecated ? [trustProxy.deprecated] : [],
    oidc: loadOidcSettings(env),
    port: intVar(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    publicUrl: env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/+$/, '') : null,
    dataDir: resolve(env.DATA_DIR || '.unjucks-registry'),
    databaseUrl: env.DATABASE_URL || null,
    databasePrepare: !/^(0|false|no|off)$/i.test(env.DATABASE_PREPARE ?? ''),
    s3: bucket
      ? {
          bucket,
          endpoint: env.S3_ENDPOINT || undefined,
          region: env.S3_REGION || env.AWS_REGION || 'us-east-1',
          forcePathStyle: boolVar(env, 'S3_FORCE_PATH_STYLE'),
          prefix: (env.S3_PREFIX ?? '').replace(/^\/+/, ''),
        }
      : null,
    blobCacheBytes: intVar(env, 'BLOB_CACHE_BYTES', 64 * 1024 * 1024),
    metadataCacheBytes: intVar(env, 'METADATA_CACHE_BYTES', 40 * 1024 * 1024),
    storedDocuments: !/^(0|false|no|off)$/i.test(env.STORED_DOCUMENTS ?? ''),
    heapGrowingPercent: intVar(env, 'HEAP_GROWING_PERCENT', 50),
    downloadsFlushMs: Math.max(100, intVar(env, 'DOWNLOADS_FLUSH_MS', 5000)),
    searchCacheEntries: intVar(env, 'SEARCH_CACHE_ENTRIES', 1000),
    searchEngine: searchEngineVar(env.SEARCH_ENGINE),
    searchMemoryMaxPackages: intVar(env, 'SEARCH_MEMORY_MAX_PACKAGES', 20000),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    metricsToken: env.METRICS_TOKEN || null,
    signingKeySecret: env.SIGNING_KEY_SECRET || null,
    signingKey: env.SIGNING_KEY || null,
    unpublishWindowSeconds: env.UNPUBLISH_WINDOW ? parseDuration(env.UNPUBLISH_WINDOW, 'UNPUBLISH_WINDOW') : 72 * 3600,
    tokenMaxLifetimeSeconds: env.TOKEN_MAX_LIFETIME ? Math.max(1, parseDuration(env.TOKEN_MAX_LIFETIME, 'TOKEN_MAX_LIFETIME')) : 365 * 86400,
    shutdownTimeoutMs: intVar(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    requestLimits: {
      maxUrlLength: intVar(env, 'MAX_URL_LENGTH', 4096),
      ratePerMinuteIp: intVar(env, 'RATE_LIMIT_IP_PER_MINUTE', 30_000),
      ratePerMinuteToken: intVar(env, 'RATE_LIMIT_TOKEN_PER_MINUTE', 6000),
      maxConcurrentPublishes: intVar(env, 'MAX_CONCURRENT_PUBLISHES', 16),
      maxQueuedPublishes: intVar(env, 'MAX_QUEUED_PUBLISHES', 256),
      trustProxy: trustProxy.trust,
    },
    maxHeaderBytes: intVar(env, 'MAX_HEADER_BYTES', 16 * 1024),
    webhooks: {
      allowPrivate: boolVar(env, 'WEBHOOK_ALLOW_PRIVATE'),
      resolve: null,
      timeoutMs: Math.max(100, intVar(env, 'WEBHOOK_TIMEOUT_MS', DEFAULT_WEBHOOK_SETTINGS.timeoutMs)),
      maxResponseBytes: intVar(env, 'WEBHOOK_RESPONSE_MAX_BYTES', DEFAULT_WEBHOOK_SETTINGS.maxResponseBytes),
      maxAttempts: Math.max(1, intVar(env, 'WEBHOOK_MAX_ATTEMPTS', DEFAULT_WEBHOOK_SETTINGS.maxAttempts)),
      retryBaseMs: Math.max(1, intVar(env, 'WEBHOOK_RETRY_BASE_MS', DEFAULT_WEBHOOK_SETTINGS.retryBaseMs)),
      retryMaxMs: Math.max(1, intVar(env, 'WEBHOOK_RETRY_MAX_MS', DEFAULT_WEBHOOK_SETTINGS.retryMaxMs)),
      disableAfter: Math.max(1, intVar(env, 'WEBHOOK_DISABLE_AFTER', DEFAULT_WEBHOOK_SETTINGS.disableAfter)),
      pollMs: Math.max(10, intVar(env, 'WEBHOOK_POLL_MS', DEFAULT_WEBHOOK_SETTINGS.pollMs)),
    },
    requestTimeoutMs: intVar(env, 'REQUEST_TIMEOUT_MS', 60_000),
    validation: {
      supportedUnjucks: listVar(env, 'SUPPORTED_UNJUCKS_VERSIONS', (v) => semver.valid(v) !== null, 'a semver version'),
      refuseCapabilities:
        listVar<CapabilityName>(env, 'REFUSE_CAPABILITIES', (v) => CAPABILITIES.includes(v as CapabilityName), `one of ${CAPABILITIES.join(', ')}`) ?? [],
      // Unset: leave one core to the event loop, at most four.
      threads: intVar(env, 'VALIDATE_THREADS', Math.max(1, Math.min(4, availableParallelism() - 1))),
    },
    limits: {
      ...DEFAULT_LIMITS,
      maxTarballBytes: intVar(env, 'MAX_TARBALL_BYTES', DEFAULT_LIMITS.maxTarballBytes),
      maxUnpackedBytes: intVar(env, 'MAX_UNPACKED_BYTES', DEFAULT_LIMITS.maxUnpackedBytes),
      maxFiles: intVar(env, 'MAX_FILES', DEFAULT_LIMITS.maxFiles),
    },
  };
}

/** The public URL, once the real port is known (PORT=0 picks a free one). */
export function publicUrlFor(config: Config, port: number): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
