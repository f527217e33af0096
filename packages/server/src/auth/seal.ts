import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A sealed value as stored in the database: AES-256-GCM, all parts base64url. */
export interface Sealed {
  sealed: 'A256GCM';
  iv: string;
  tag: string;
  data: string;
}

export const isSealed = (v: unknown): v is Sealed => typeof v === 'object' && v !== null && (v as Sealed).sealed === 'A256GCM';

export function seal(key: Buffer, plain: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { sealed: 'A256GCM', iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), data: data.toString('base64url') };
}

/** The plain text, or null when the key is not the one it was sealed with. */
export function unseal(key: Buffer, s: Sealed): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(s.iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(s.tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(s.data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export const secretFilePath = (dataDir: string) => join(dataDir, 'signing-key.secret');

/** Secrets that were published as examples: they seal nothing. */
const PUBLISHED_SECRETS = new Set(['change-me-to-a-long-random-secret']);
const MIN_SECRET_LENGTH = 16;

/**
 * Why the registry must not start with this sealing configuration, or null when it may. A shared
 * database (DATABASE_URL: replicas and the CLI reach it from elsewhere) needs SIGNING_KEY_SECRET,
 * since a secret generated into one DATA_DIR is unknown to every other process; a configured
 * SIGNING_KEY is the one exception, as every process then signs with it. The embedded database
 * lives in DATA_DIR beside its generated secret and needs no configuration.
 */
export function sealingProblem(opts: { secret: string | null; databaseUrl: string | null; signingKey?: string | null }): string | null {
  if (opts.secret !== null && PUBLISHED_SECRETS.has(opts.secret.trim()))
    return 'SIGNING_KEY_SECRET is the example value once shipped in docker-compose.yml, which anyone can read; set a long random secret (openssl rand -base64 32). Tokens already issued keep working; see "Rotating SIGNING_KEY_SECRET" in the README';
  if (opts.secret !== null && opts.secret.trim().length < MIN_SECRET_LENGTH)
    return `SIGNING_KEY_SECRET must have at least ${MIN_SECRET_LENGTH} characters; use a long random secret (openssl rand -base64 32)`;
  if (opts.databaseUrl && !opts.secret && !opts.signingKey)
    return 'SIGNING_KEY_SECRET is not set, and DATABASE_URL names a database other replicas and the CLI share: set SIGNING_KEY_SECRET to the same long random secret (openssl rand -base64 32) everywhere. If this registry ran before without it, set it to the contents of DATA_DIR/signing-key.secret to keep using its signing keys';
  return null;
}

/**
 * The key that seals signing keys: from SIGNING_KEY_SECRET when set (every replica must share it),
 * else from DATA_DIR/signing-key.secret, created (mode 0600) on first use. Refuses the
 * configurations sealingProblem names.
 */
export async function loadSealingKey(opts: {
  secret: string | null;
  dataDir: string;
  databaseUrl?: string | null;
  signingKey?: string | null;
}): Promise<{ key: Buffer; source: 'env' | 'file' }> {
  const problem = sealingProblem({ secret: opts.secret, databaseUrl: opts.databaseUrl ?? null, signingKey: opts.signingKey });
  if (problem) throw new Error(problem);
  let secret = opts.secret;
  let source: 'env' | 'file' = 'env';
  if (!secret) {
    source = 'file';
    const path = secretFilePath(opts.dataDir);
    await mkdir(opts.dataDir, { recursive: true });
    try {
      await writeFile(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(path, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    secret = (await readFile(path, 'utf8')).trim();
  }
  // A fixed salt is fine: the input is a high-entropy secret, and the derivation only fixes the length.
  return { key: scryptSync(secret, 'unjucks-registry signing keys', 32), source };
}
