import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { TokenAction } from '@unjucks/core';
import { eq } from 'drizzle-orm';
import { KeyRing } from './auth/keys.js';
import { mintToken } from './auth/tokens.js';
import { loadConfig } from './config.js';
import { MIGRATIONS_DIR, pgliteExtensions, type Db } from './db/database.js';
import * as schema from './db/schema.js';
import { users } from './db/schema.js';
import { Metrics } from './metrics.js';
import type { RegistryContext } from './registry/context.js';
import { SnapshotCache } from './registry/snapshot.js';
import { DownloadCounter } from './search/downloads.js';
import { SearchIndex } from './search/search-index.js';
import { MemoryBlobStore } from './storage/memory-store.js';

/**
 * A whole registry in memory (PGlite without a directory, the memory blob store), for tests that
 * drive createApp with app.request(): nothing on disk, nothing listening, gone when closed.
 */
export async function createMemoryRegistry(
  env: Record<string, string | undefined> = {},
  opts: { migrated?: Blob } = {},
): Promise<{ registry: RegistryContext; close: () => Promise<void> }> {
  const client = await PGlite.create({ extensions: await pgliteExtensions(), loadDataDir: opts.migrated });
  // On a copy of migratedMemoryDatabase() the migrator finds nothing to apply.
  await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_DIR });
  const db: Db = drizzle({ client, schema });
  const config = loadConfig(env);
  const metrics = new Metrics();
  const registry: RegistryContext = {
    db,
    store: new MemoryBlobStore(),
    keys: new KeyRing(db, randomBytes(32)),
    limits: config.limits,
    tokenMaxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
    unpublishWindowSeconds: config.unpublishWindowSeconds,
    publicUrl: 'http://registry.test',
    cache: new SnapshotCache(100, () => undefined),
    metrics,
    validation: config.validation,
    oidc: config.oidc,
    search: new SearchIndex(100),
    downloads: new DownloadCounter(db, 60_000),
    afterChange: async () => undefined,
    webhooks: config.webhooks,
  };
  return { registry, close: () => client.close() };
}

/**
 * A migrated empty in-memory database, dumped: createMemoryRegistry's `migrated`. Loading it takes
 * a fraction of migrating a fresh one, which test suites creating many registries pay once.
 */
export async function migratedMemoryDatabase(): Promise<Blob> {
  const client = await PGlite.create({ extensions: await pgliteExtensions() });
  try {
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_DIR });
    return await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
}

/** A user (created on first use) and a token for them with exactly these actions and package patterns. */
export async function seedToken(
  registry: RegistryContext,
  user: string,
  actions: TokenAction[],
  opts: { admin?: boolean; packages?: string[] } = {},
): Promise<string> {
  const { db } = registry;
  await db
    .insert(users)
    .values({ name: user, isAdmin: opts.admin ?? false })
    .onConflictDoNothing();
  const [row] = await db.select().from(users).where(eq(users.name, user));
  const minted = await mintToken(db, registry.keys, { userId: row!.id, userName: user, actions, packages: opts.packages ?? null, lifetimeSeconds: 3600 });
  return minted.token;
}
