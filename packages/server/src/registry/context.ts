import type { PackageLimits } from '@unjucks/core';
import type { KeyRing } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Db } from '../db/database.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { SnapshotCache } from './snapshot.js';
import type { StoredDocuments } from './stored-documents.js';
import type { ChangeFeed } from '../cache/feed.js';
import type { DownloadCounter } from '../search/downloads.js';
import type { SearchEngine } from '../search/sync.js';
import type { OidcSettings } from '../oidc/issuers.js';
import type { WebhookSettings } from '../hooks/settings.js';
import type { PublishPool } from '../publish-pool/index.js';

/** What the registry operations need; routes and tests build one and pass it in. */
export interface RegistryContext {
  db: Db;
  store: BlobStore;
  keys: KeyRing;
  limits: PackageLimits;
  /** The longest a token may live (TOKEN_MAX_LIFETIME). */
  tokenMaxLifetimeSeconds: number;
  /** UNPUBLISH_WINDOW: owners unpublish only versions younger than this. */
  unpublishWindowSeconds: number;
  /** Base of the absolute URLs written into responses. */
  publicUrl: string;
  /** Package snapshots for the read routes, checked against the database's revision per request. */
  cache: SnapshotCache;
  /** Rendered documents of public packages kept in Postgres, for reads the cache misses; absent: off. */
  documents?: StoredDocuments;
  /** This replica's change notifications; absent, every cache is bypassed (cache/feed.ts). */
  changes?: ChangeFeed;
  /** Options for the publish-time validator (supported Unjucks versions, refused capabilities). */
  validation: Config['validation'];
  search: SearchEngine;
  /** Workers that store published versions off the event loop (publish-pool/); absent, publishes run here. */
  publishPool?: PublishPool;
  downloads: DownloadCounter;
  metrics: Metrics;
  /** Trusted publishing: accepted ID token issuers, exchanged token lifetime. Unset: the built-in issuers, 15 minutes. */
  oidc?: OidcSettings;
  /** How webhooks are checked and delivered (hooks/). */
  webhooks: WebhookSettings;
  /**
   * Runs after a write to a package commits, before the response: this replica's read-your-writes.
   * `write` is the id the write's notification carries, when it has one (the search index then
   * loads the package once for both).
   */
  afterChange(packageId: number, write?: string): Promise<void>;
}
