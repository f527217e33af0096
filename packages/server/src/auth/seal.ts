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

/**
 * The key that seals signing keys: from SIGNING_KEY_SECRET when set (every replica must share it),
 * else from DATA_DIR/signing-key.secret, created (mode 0600) on first use.
 */
export async function loadSealingKey(opts: { secret: string | null; dataDir: string }): Promise<{ key: Buffer; source: 'env' | 'file' }> {
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
