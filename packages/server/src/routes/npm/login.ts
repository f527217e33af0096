import { InputError } from '@unjucks/core';
import { requireActor } from '../../access/rights.js';
import { findUser, login } from '../../access/users.js';
import { basicCredentials } from '../../auth/npm-basic.js';
import type { NpmApp } from '../../app-env.js';
import { audited } from '../../middleware/audited.js';
import { passwordCheck } from '../../middleware/limits.js';
import { readJson } from '../json.js';

const USER_ID = 'org.couchdb.user:';

/**
 * PUT /-/user/org.couchdb.user:NAME — npm login (the legacy flow npm falls back to): a password
 * login that answers { ok, token }. Accounts are made by admins, never by this route.
 */
export const npmLogin = (app: NpmApp) =>
  app.put('/-/user/:id{org\\.couchdb\\.user:[^/]+}', passwordCheck, audited('auth.login'), async (c) => {
    const name = decodeURIComponent(c.req.param('id')).slice(USER_ID.length);
    c.set('audit', { actor: name.slice(0, 64), target: name.slice(0, 64), detail: { via: 'npm' } });
    const body = (await readJson(c, '{ "name": "alice", "password": "..." }')) as { name?: unknown; password?: unknown };
    if (body?.name !== undefined && body.name !== name) throw new InputError(`the body names ${JSON.stringify(body.name)} but the URL names ${name}`);
    // Yarn classic sends the same credentials as Basic too: they must agree with the rest.
    const basic = basicCredentials(c.req.header('authorization'));
    if (basic && basic.name !== name) throw new InputError(`the Authorization header names ${JSON.stringify(basic.name)} but the URL names ${name}`);
    if (basic && body?.password !== undefined && body.password !== basic.password)
      throw new InputError('the Authorization header and the body carry different passwords');
    const registry = c.get('registry');
    const minted = await login(
      registry.db,
      registry.keys,
      { username: name, password: body?.password ?? basic?.password, name: 'npm login' },
      registry.tokenMaxLifetimeSeconds,
      c.get('ip'),
    );
    c.set('audit', { actor: name, target: name, detail: { via: 'npm', token: minted.id } });
    return c.json({ ok: true, id: USER_ID + name, token: minted.token }, 201);
  });

/** GET /-/user/org.couchdb.user:NAME — npm owner add looks the user up first. */
export const npmUserGet = (app: NpmApp) =>
  app.get('/-/user/:id{org\\.couchdb\\.user:[^/]+}', async (c) => {
    // Signed-in users only: no one enumerates accounts anonymously.
    requireActor(c.get('actor'), 'looking up a user');
    const name = decodeURIComponent(c.req.param('id')).slice(USER_ID.length);
    const u = await findUser(c.get('registry').db, name);
    return c.json({ _id: USER_ID + u.name, name: u.name, email: '' });
  });

/**
 * POST /-/v1/login — npm's web login. This registry signs in with passwords, so it answers 404
 * and npm falls back to the username/password prompt (PUT /-/user/org.couchdb.user:NAME).
 */
export const npmWebLogin = (app: NpmApp) =>
  app.post('/-/v1/login', (c) =>
    c.json(
      { error: 'web login is not supported; npm falls back to username and password', message: 'web login is not supported; use --auth-type=legacy' },
      404,
    ),
  );
