import { randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError } from '@unjucks/core';
import { ScryptPool } from './scrypt-pool.js';

/** Every password hash of this process goes through here (its size: PASSWORD_HASH_CONCURRENCY, PASSWORD_HASH_QUEUE). */
export const passwordHashing = new ScryptPool(2, 32);

const scrypt = (password: string, salt: Buffer, keyLength: number, o: { N: number; r: number; p: number; maxmem: number }) =>
  passwordHashing.run({ password, salt, keyLength, ...o });

// OWASP's scrypt minimum is N=2^17, r=8, p=1; that needs 128 MiB per hash, so maxmem is raised.
const N = 2 ** 17;
const R = 8;
const P = 1;
const MAXMEM = 256 * 1024 * 1024;

export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return 'the password must be a string';
  if (password.length < 8) return 'the password must have at least 8 characters';
  if (password.length > 1024) return 'the password may have at most 1024 characters';
  return null;
}

/** `scrypt$N$r$p$salt$hash`, so the parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new InputError(problem);
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, { N, r: R, p: P, maxmem: MAXMEM });
  return ['scrypt', N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  // Parameters come from our own rows, but a corrupted one must not ask for gigabytes.
  if (!(Number(n) <= 2 ** 20 && Number(r) <= 16 && Number(p) <= 4)) return false;
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: MAXMEM });
  return timingSafeEqual(actual, expected);
}

/** Spent on logins for unknown users, so the answer takes as long as for a wrong password. */
let dummy: Promise<string> | null = null;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('not-a-real-password');
  await verifyPassword(password, await dummy);
}
