import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { InputError } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { signingKeys } from '../db/schema.js';
import { isSealed, seal, unseal, type Sealed } from './seal.js';

export const TOKEN_ALG = 'ES256';

/**
 * Signing keys live in the database so every replica and the CLI sign and verify alike; the
 * private half is sealed with a key kept outside it. Public keys are cached by kid: a kid never
 * changes its key.
 */
export class KeyRing {
  private readonly publicKeys = new Map<string, CryptoKey>();
  private signing: { kid: string; key: CryptoKey } | null = null;
  private configured: { kid: string; key: CryptoKey } | null = null;

  constructor(
    private readonly db: Db,
    private readonly sealingKey: Buffer,
  ) {}

  /** Seals a secret the registry must read back in the clear (webhook secrets, for HMAC), with the key that seals the signing keys. */
  sealSecret(plain: string): Sealed {
    return seal(this.sealingKey, plain);
  }

  /** The secret, or null when it was sealed with another key (SIGNING_KEY_SECRET changed). */
  openSecret(sealed: Sealed): string | null {
    return unseal(this.sealingKey, sealed);
  }

  private open(privateJwk: unknown): JWK | null {
    if (isSealed(privateJwk)) {
      const text = unseal(this.sealingKey, privateJwk);
      return text ? (JSON.parse(text) as JWK) : null;
    }
    // Written before keys were sealed: usable, and sealed by sealLegacyKeys().
    return (privateJwk as JWK | null)?.d ? (privateJwk as JWK) : null;
  }

  /** Seals private keys stored in the clear by earlier versions. */
  async sealLegacyKeys(): Promise<number> {
    let n = 0;
    for (const row of await this.db.select().from(signingKeys)) {
      if (isSealed(row.privateJwk)) continue;
      await this.db
        .update(signingKeys)
        .set({ privateJwk: seal(this.sealingKey, JSON.stringify(row.privateJwk)) })
        .where(eq(signingKeys.kid, row.kid));
      n++;
    }
    return n;
  }

  /**
   * Uses a key from configuration (SIGNING_KEY: a private EC P-256 JWK) for signing. It is stored
   * like the others (kid = its thumbprint), so every replica and old tokens verify with it.
   */
  async useConfiguredKey(jwkText: string): Promise<string> {
    let jwk: JWK;
    try {
      jwk = JSON.parse(jwkText) as JWK;
    } catch {
      throw new InputError('SIGNING_KEY must be a private EC P-256 JWK as JSON ({"kty":"EC","crv":"P-256","x":...,"y":...,"d":...})');
    }
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d)
      throw new InputError('SIGNING_KEY must be a private EC P-256 JWK (kty EC, crv P-256, with d): tokens are ES256');
    const key = (await importJWK(jwk, TOKEN_ALG)) as CryptoKey;
    const { d: _d, ...publicJwk } = jwk;
    const kid = await calculateJwkThumbprint(publicJwk);
    await this.db
      .insert(signingKeys)
      .values({ kid, alg: TOKEN_ALG, publicJwk: { ...publicJwk, kid, alg: TOKEN_ALG, use: 'sig' }, privateJwk: seal(this.sealingKey, JSON.stringify(jwk)) })
      .onConflictDoNothing();
    this.configured = { kid, key };
    return kid;
  }

  /** Adds a new signing key; tokens signed by older keys keep verifying until they expire. */
  async rotate(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
    const kid = randomUUID();
    await this.db.insert(signingKeys).values({
      kid,
      alg: TOKEN_ALG,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' },
      privateJwk: seal(this.sealingKey, JSON.stringify(await exportJWK(privateKey))),
    });
    this.signing = null;
    return kid;
  }

  /**
   * The newest key this process can unseal, created when there is none. A key sealed with another
   * secret (an import from another deployment) is skipped for signing; its tokens still verify.
   */
  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    if (this.configured) return this.configured;
    const [newest] = await this.db.select({ kid: signingKeys.kid }).from(signingKeys).orderBy(desc(signingKeys.createdAt)).limit(1);
    if (this.signing && newest?.kid === this.signing.kid) return this.signing;
    for (const row of await this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt))) {
      const jwk = this.open(row.privateJwk);
      if (!jwk) continue;
      this.signing = { kid: row.kid, key: (await importJWK(jwk, TOKEN_ALG)) as CryptoKey };
      if (row.kid === newest?.kid) return this.signing;
      break;
    }
    if (this.signing) return this.signing;
    await this.rotate();
    return this.signingKey();
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

  /** Every public key, for /.well-known/jwks.json. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const rows = await this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
    return { keys: rows.map((r) => ({ ...(r.publicJwk as JWK), kid: r.kid, alg: r.alg, use: 'sig' })) };
  }
}
