import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { users } from './db/schema.js';
import type { Db } from './db/database.js';
import type { KeyRing } from './auth/keys.js';
import { TOKEN_ACTIONS } from '@unjucks/core';
import { mintToken } from './auth/tokens.js';

export const adminTokenPath = (dataDir: string) => join(dataDir, 'admin.token');

/**
 * On an empty database: creates user `admin` and a registry-admin token, written to
 * DATA_DIR/admin.token (mode 0600). Returns the file's path, or null when users already exist.
 * Replicas racing on one database: only the one whose insert wins mints the token.
 */
export async function bootstrapAdmin(db: Db, keys: KeyRing, dataDir: string, lifetimeSeconds: number): Promise<string | null> {
  const any = await db.select({ id: users.id }).from(users).limit(1);
  if (any.length > 0) return null;
  const inserted = await db.insert(users).values({ name: 'admin', isAdmin: true }).onConflictDoNothing().returning({ id: users.id });
  if (inserted.length === 0) return null;
  const minted = await mintToken(db, keys, {
    userId: inserted[0]!.id,
    userName: 'admin',
    actions: [...TOKEN_ACTIONS],
    label: 'bootstrap admin token',
    lifetimeSeconds,
  });
  const path = adminTokenPath(dataDir);
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, `${minted.token}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // an existing file keeps its old mode on write
  return path;
}
