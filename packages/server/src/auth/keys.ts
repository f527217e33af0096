import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Db } from '../db/database.js';
import { signingKeys } from '../db/schema.js';

export const TOKEN_ALG = 'ES256';

/**
 * Signing keys live in the database so every replica and the CLI sign and verify alike.
 * Public keys are cached by kid: a kid never changes its key.
 */
export class KeyRing {
  private readonly publicKeys = new Map<string, CryptoKey>();

  constructor(private readonly db: Db) {}

  /** The newest signing key, created on first use. */
  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    let [row] = await this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt)).limit(1);
    if (!row) {
      const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
      const kid = randomUUID();
      await this.db.insert(signingKeys).values({
        kid,
        alg: TOKEN_ALG,
        publicJwk: await exportJWK(publicKey),
        privateJwk: await exportJWK(privateKey),
      });
      [row] = await this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt)).limit(1);
    }
    return { kid: row!.kid, key: (await importJWK(row!.privateJwk as JWK, TOKEN_ALG)) as CryptoKey };
  }

  /** The public key for a kid, or null when no such key exists. */
  async verificationKey(kid: string): Promise<CryptoKey | null> {
    const cached = this.publicKeys.get(kid);
    if (cached) return cached;
    const [row] = await this.db.select().from(signingKeys).where(eq(signingKeys.kid, kid));
    if (!row) return null;
    const key = (await importJWK(row.publicJwk as JWK, TOKEN_ALG)) as CryptoKey;
    this.publicKeys.set(kid, key);
    return key;
  }
}
