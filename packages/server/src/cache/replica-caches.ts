import type { AccessRole } from '@unjucks/core';
import type { Db } from '../db/database.js';
import type { ChangeFeed } from './feed.js';
import { TrustedMap } from './trusted-map.js';

/** A token's row and its user as the checks need them (auth/tokens.ts). */
export interface TokenRow {
  jti: string;
  actions: import('@unjucks/core').TokenAction[];
  packages: string[] | null;
  cidr: string[] | null;
  expiresAt: Date;
  revokedAt: Date | null;
  /** Minted by an OIDC exchange for this trusted publisher. */
  trustedPublisherId: number | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  userId: number;
  userName: string;
  isAdmin: boolean;
}

/**
 * The per-replica caches of what every request would otherwise ask the database: token rows and
 * the rights behind `authorize`. Told, not asked: a token notice drops its row, an access notice
 * (any change to users, orgs, memberships, teams or grants) flushes them all.
 */
export class ReplicaCaches {
  readonly tokens: TrustedMap<string, TokenRow | undefined>;
  readonly roles: TrustedMap<string, AccessRole | null>;
  readonly scopes: TrustedMap<string, { org: { id: number } | null; role: AccessRole | null }>;

  constructor(
    readonly feed: ChangeFeed,
    onLookup: (cache: string, hit: boolean) => void = () => undefined,
  ) {
    this.tokens = new TrustedMap(feed, 50_000, (hit) => onLookup('tokens', hit));
    this.roles = new TrustedMap(feed, 20_000, (hit) => onLookup('rights', hit));
    this.scopes = new TrustedMap(feed, 20_000, (hit) => onLookup('rights', hit));
    feed.onNotice((n) => {
      if ('token' in n) this.tokens.delete(n.token);
      // A package's own grants changed, or it was renamed or removed: roles on it are keyed by its id.
      if ('package' in n) this.roles.deleteWhere((k) => k.endsWith(`:${n.package}`));
    });
  }
}

/**
 * The caches that belong to a database handle. Keyed by the handle itself, so code deep in
 * `access/` and `auth/` finds them without every caller passing them along, and a transaction
 * (a different handle) never reads a cache: inside one, the database is the truth.
 */
const byDb = new WeakMap<Db, ReplicaCaches>();

export function attachCaches(db: Db, caches: ReplicaCaches) {
  byDb.set(db, caches);
}

export const cachesOf = (db: Db): ReplicaCaches | undefined => byDb.get(db);
