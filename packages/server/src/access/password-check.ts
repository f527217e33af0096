import { outcomeOf, recordAudit } from './audit.js';
import { and, eq, gt, sql } from 'drizzle-orm';
import { InputError } from '@unjucks/core';
import { burnPasswordCheck, verifyPassword } from '../auth/password.js';
import type { Db } from '../db/database.js';
import { rawRows } from '../db/raw.js';
import { auditLog } from '../db/schema.js';

/**
 * Limits on wrong passwords, for every route that checks one (login, npm login, changing a
 * password, npm token create). Counted in a sliding window, per pair of account and address, per
 * address, and per account; the last one spares addresses the account signed in from before, so
 * an attacker elsewhere can slow guessing on an account without locking its owner out.
 */
export const PASSWORD_LIMITS = {
  windowMinutes: 15,
  /** Wrong passwords for one account from one address. */
  perAccountAndAddress: 10,
  /** Wrong passwords from one address, over all the accounts it tries. */
  perAddress: 30,
  /** Wrong passwords for one account from everywhere; not applied to its known addresses. */
  perAccount: 100,
  /** An address with a right password for the account this recently is a known address. */
  knownAddressDays: 30,
} as const;

export interface PasswordAttempt {
  /** The account name tried (which may not exist). */
  name: string;
  ip: string;
  password: string;
  /** The account's stored hash; null when there is no such account or it has no password. */
  hash: string | null;
  /** What the password is for, kept in the record: auth.login, user.password, token.create. */
  purpose: string;
}

/** Written before the hash is computed: until a right-password result follows, it counts as a failure. */
const ATTEMPT = 'auth.password.attempt';
/** The result: ok for a right password, denied for a wrong one (what auditors filter on). */
const RESULT = 'auth.password';

interface Failures {
  pair: number;
  address: number;
  account: number;
}

/**
 * Failures in the window: an attempt record with no right-password record after it. Summed per
 * (account, address) first, so a right password only cancels attempts of its own pair: an attacker
 * cannot clear an address's count by signing in to an account of their own.
 */
async function failures(db: Db, name: string, ip: string): Promise<Failures> {
  const rows = await rawRows<Failures>(
    db,
    sql`
    with per as (
      select actor, ip, count(*) filter (where action = ${ATTEMPT}) - count(*) filter (where action = ${RESULT} and outcome = 'ok') as f
      from audit_log
      where action in (${ATTEMPT}, ${RESULT}) and at > now() - make_interval(mins => ${PASSWORD_LIMITS.windowMinutes}) and (actor = ${name} or ip = ${ip})
      group by actor, ip
    )
    select
      coalesce(sum(greatest(f, 0)) filter (where actor = ${name} and ip = ${ip}), 0)::int as pair,
      coalesce(sum(greatest(f, 0)) filter (where ip = ${ip}), 0)::int as address,
      coalesce(sum(greatest(f, 0)) filter (where actor = ${name}), 0)::int as account
    from per`,
  );
  const row = rows[0] ?? { pair: 0, address: 0, account: 0 };
  return { pair: Number(row.pair), address: Number(row.address), account: Number(row.account) };
}

async function knownAddress(db: Db, name: string, ip: string): Promise<boolean> {
  const [row] = await db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.actor, name),
        eq(auditLog.ip, ip),
        eq(auditLog.action, RESULT),
        eq(auditLog.outcome, 'ok'),
        gt(auditLog.at, sql`now() - make_interval(days => ${PASSWORD_LIMITS.knownAddressDays})`),
      ),
    )
    .limit(1);
  return !!row;
}

const throttled = (message: string) =>
  new InputError(`${message}; wait up to ${PASSWORD_LIMITS.windowMinutes} minutes and try again, or ask an admin to set a new password`, 'locked_out', {
    retryAfter: PASSWORD_LIMITS.windowMinutes * 60,
  });

/** Throws the 429 when a limit is reached; `slack` lets the re-check count the attempt just recorded. */
async function assertUnderLimits(db: Db, name: string, ip: string, slack: number) {
  const f = await failures(db, name, ip);
  const L = PASSWORD_LIMITS;
  if (f.pair >= L.perAccountAndAddress + slack)
    throw throttled(`too many wrong passwords for ${name} from this address (${L.perAccountAndAddress} in ${L.windowMinutes} minutes)`);
  if (f.address >= L.perAddress + slack)
    throw throttled(`too many wrong passwords from this address (${L.perAddress} in ${L.windowMinutes} minutes, over all accounts)`);
  if (f.account >= L.perAccount + slack && !(await knownAddress(db, name, ip)))
    throw throttled(
      `too many wrong passwords for ${name} (${L.perAccount} in ${L.windowMinutes} minutes); until they stop, it signs in only from addresses it signed in from in the last ${L.knownAddressDays} days`,
    );
}

const record = (db: Db, a: PasswordAttempt, action: string, status: number) =>
  recordAudit(db, {
    actor: a.name,
    tokenId: null,
    ip: a.ip,
    action,
    target: a.name,
    org: null,
    outcome: outcomeOf(status),
    status,
    detail: { for: a.purpose },
  });

/**
 * Checks a password under the limits, on every replica alike: the count lives in the audit log.
 * The attempt is recorded before the hash is computed and counted again after, so concurrent
 * guesses cannot all slip under a limit; a right password's "ok" result cancels its attempt.
 * Unknown accounts cost the same time as wrong passwords.
 */
export async function checkPassword(db: Db, attempt: PasswordAttempt): Promise<boolean> {
  // No account has one, and the attempt could not be counted (a Postgres text column refuses it).
  if (attempt.name.includes('\0')) throw new InputError('the user name contains a NUL byte; user names are printable text', 'invalid_name');
  const a = { ...attempt, name: attempt.name.slice(0, 64) };
  await assertUnderLimits(db, a.name, a.ip, 0);
  await record(db, a, ATTEMPT, 202);
  await assertUnderLimits(db, a.name, a.ip, 1);
  let right = false;
  if (a.hash) right = await verifyPassword(a.password, a.hash);
  else await burnPasswordCheck(a.password);
  await record(db, a, RESULT, right ? 200 : 401);
  return right;
}
