import { readFile } from 'node:fs/promises';
import { InputError, parseActions, parsePatterns, type TokenAction } from '@unjucks/core';
import { outcomeOf, recordAudit } from './access/audit.js';
import { renameOrg } from './access/org-rename.js';
import { assertActionsFitUser, findToken, revokeAnnounced } from './access/tokens.js';
import { createUser, lifetime } from './access/users.js';
import { parseCidrs } from './auth/cidr.js';
import { KeyRing } from './auth/keys.js';
import { loadSealingKey } from './auth/seal.js';
import { mintToken, type MintedToken } from './auth/tokens.js';
import { announceToken } from './hooks/token-events.js';
import { adminTokenPath } from './bootstrap.js';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { readLock } from './db/embedded-lock.js';
import { users } from './db/schema.js';
import { eq } from 'drizzle-orm';

/**
 * The server CLI's account operations. They work on both databases, with or without a running
 * server: the embedded database admits one process, so while a server holds it they go through
 * that server's API with DATA_DIR/admin.token; otherwise they open the database themselves.
 */
type Reply<T> = { status: number; body: T & { error?: unknown; code?: unknown } };
type Call<T> = <B = T>(method: string, path: string, body?: unknown) => Promise<Reply<B>>;

interface Ops<T> {
  /** `call` answers the API's JSON: the success body T, or on refusal the error body. */
  http: (call: Call<T>) => Promise<T>;
  direct: (db: Db, keys: KeyRing) => Promise<T>;
}

async function run<T>(config: Config, what: string, ops: Ops<T>): Promise<T> {
  const holder = config.databaseUrl ? null : readLock(config.dataDir);
  if (holder?.url) {
    let admin: string;
    try {
      admin = (await readFile(adminTokenPath(config.dataDir), 'utf8')).trim();
    } catch {
      throw new InputError(
        `the registry at ${holder.url} holds the embedded database and ${adminTokenPath(config.dataDir)} is gone; stop the server and run this again`,
      );
    }
    return ops.http(async <B>(method: string, path: string, body?: unknown): Promise<Reply<B>> => {
      const res = await fetch(`${holder.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Reply<B>['body'];
      return { status: res.status, body: json };
    });
  }
  const database = await openDatabase({ ...config, holder: `unjucks-registry ${what}` });
  try {
    await database.migrate();
    const { key } = await loadSealingKey({
      secret: config.signingKeySecret,
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      signingKey: config.signingKey,
    });
    const keys = new KeyRing(database.db, key);
    if (config.signingKey) await keys.useConfiguredKey(config.signingKey);
    return await ops.direct(database.db, keys);
  } finally {
    await database.close();
  }
}

const refused = (r: Reply<unknown>) =>
  new InputError(`the running registry refused: ${String(r.body.error ?? r.status)}${typeof r.body.code === 'string' ? ` (code: ${r.body.code})` : ''}`);

/** Records what the CLI did straight on the database, as the API would have. */
const CLI_ACTOR = 'unjucks-registry (cli)';
const auditCli = (db: Db, action: string, target: string, detail?: Record<string, unknown>, org: string | null = null) =>
  recordAudit(db, { actor: CLI_ACTOR, tokenId: null, ip: null, action, target, org, outcome: outcomeOf(200), status: 200, detail });

export interface TokenCreateOptions {
  user: string;
  actions?: string;
  role?: string;
  packages?: string;
  cidr?: string;
  label?: string;
  expires?: string;
}

/** Mints a token for a user (created when missing). --role is a preset of actions. */
export async function cliTokenCreate(config: Config, o: TokenCreateOptions): Promise<MintedToken> {
  if (o.actions === undefined && o.role === undefined) throw new InputError('token create needs --actions LIST (or --role admin|publisher|reader)');
  const actions: TokenAction[] = parseActions(o.actions ?? o.role!);
  const packages = parsePatterns(o.packages);
  const cidr = parseCidrs(o.cidr);
  const admin = actions.includes('admin');
  const lifetimeSeconds = lifetime(o.expires, config.tokenMaxLifetimeSeconds);
  return run<MintedToken>(config, 'token create', {
    http: async (call) => {
      const u = await call<unknown>('POST', '/api/v1/users', { name: o.user, admin });
      if (u.status !== 201 && u.status !== 409) throw refused(u);
      const r = await call('POST', '/api/v1/tokens', { user: o.user, actions, packages, cidr, name: o.label, expires: lifetimeSeconds });
      if (r.status !== 201) throw refused(r);
      return r.body;
    },
    direct: async (db, keys) => {
      const [existing] = await db.select().from(users).where(eq(users.name, o.user));
      const user = existing ?? (await createUser(db, { name: o.user, admin }));
      assertActionsFitUser(user, actions);
      const minted = await mintToken(db, keys, {
        userId: user.id,
        userName: user.name,
        actions,
        packages,
        cidr,
        label: o.label ?? null,
        lifetimeSeconds,
        // An org's hooks hear of a token minted here as they do of one minted through the API.
        inTransaction: announceToken(CLI_ACTOR, user.name, packages),
      });
      await auditCli(db, 'token.create', `token:${minted.id}`, { user: user.name, actions });
      return minted;
    },
  });
}

export async function cliTokenRevoke(config: Config, id: string) {
  return run<{ id: string; revokedAt: string }>(config, 'token revoke', {
    http: async (call) => {
      const r = await call('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
      if (r.status !== 200) throw refused(r);
      return r.body;
    },
    direct: async (db) => {
      const { revokedAt } = await revokeAnnounced(db, await findToken(db, id), CLI_ACTOR);
      await auditCli(db, 'token.revoke', `token:${id}`);
      return { id, revokedAt };
    },
  });
}

export async function cliUserAdd(config: Config, o: { name: string; admin: boolean; password?: string }) {
  return run<{ name: string; admin: boolean }>(config, 'user add', {
    http: async (call) => {
      const r = await call('POST', '/api/v1/users', { name: o.name, admin: o.admin, password: o.password });
      if (r.status !== 201) throw refused(r);
      return r.body;
    },
    direct: async (db) => {
      const u = await createUser(db, { name: o.name, admin: o.admin, password: o.password });
      await auditCli(db, 'user.create', u.name, { admin: u.isAdmin });
      return { name: u.name, admin: u.isAdmin };
    },
  });
}

export async function cliKeysRotate(config: Config) {
  return run<{ kid: string }>(config, 'keys rotate', {
    http: async (call) => {
      const r = await call('POST', '/api/v1/keys/rotate');
      if (r.status !== 201) throw refused(r);
      return r.body;
    },
    direct: async (db, keys) => {
      const kid = await keys.rotate();
      await auditCli(db, 'keys.rotate', `key:${kid}`);
      return { kid };
    },
  });
}

/** Renames an org and moves its scope's packages (the repair for orgs with names no route accepts). */
export async function cliOrgRename(config: Config, from: string, to: string) {
  return run<Awaited<ReturnType<typeof renameOrg>>>(config, 'org rename', {
    http: async (call) => {
      const r = await call('POST', `/api/v1/orgs/${encodeURIComponent(from)}/rename`, { name: to });
      if (r.status !== 200) throw refused(r);
      return r.body;
    },
    direct: async (db) => {
      const r = await renameOrg(db, from, to);
      await auditCli(db, 'org.rename', `@${from}`, { to, packages: r.packages.length, tokens: r.tokens }, from);
      return r;
    },
  });
}
