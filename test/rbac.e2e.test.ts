import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucksRegistry } from './helpers/cli.js';
import { packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Accounts, orgs, teams, grants, scoped tokens, private packages and the audit log, driven over
 * real HTTP against the real server binary.
 */
describe.each(BACKENDS)('access control on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.destroy());

  const api = async (token: string | null, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.api}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const admin = () => server.adminToken;
  const password = (user: string) => `correct horse ${user}`;
  /** Creates a user with a password and logs in: the token has every action the user could hold. */
  const signUp = async (user: string) => {
    expect((await api(admin(), 'POST', '/users', { name: user, password: password(user) })).status).toBe(201);
    const login = await api(null, 'POST', '/auth/login', { username: user, password: password(user) });
    expect(login.status).toBe(201);
    return login.body.token as string;
  };
  const publish = (token: string, name: string, version: string) => publishRaw(server.api, token, packageTarball(name, version));
  /** An owner invites; the user accepts with their own token (registry admins add directly). */
  const join = async (owner: string, org: string, user: string, userToken: string, role: string) => {
    expect((await api(owner, 'PUT', `/orgs/${org}/members/${user}`, { role })).body).toEqual({ org, user, role, invited: true });
    expect((await api(userToken, 'POST', `/invitations/${org}/accept`)).body).toEqual({ org, user, role });
  };

  it('creates users (admins only), logs in with a password, and never stores or echoes it', async () => {
    const u = await api(admin(), 'POST', '/users', { name: 'ann', password: password('ann') });
    expect(u).toMatchObject({ status: 201, body: { name: 'ann', admin: false, password: true } });
    expect(JSON.stringify(u.body)).not.toContain(password('ann'));
    expect((await api(admin(), 'POST', '/users', { name: 'ann' })).status).toBe(409);
    expect((await api(admin(), 'POST', '/users', { name: 'Bad Name' })).status).toBe(400);
    expect((await api(admin(), 'POST', '/users', { name: 'shorty', password: 'short' })).body.error).toMatch(/at least 8/);

    const wrong = await api(null, 'POST', '/auth/login', { username: 'ann', password: 'not it at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const nobody = await api(null, 'POST', '/auth/login', { username: 'nobody', password: 'whatever123' });
    expect(nobody.body.error).toBe(wrong.body.error);

    const ok = await api(null, 'POST', '/auth/login', { username: 'ann', password: password('ann'), actions: ['read'], name: 'laptop', expires: '1d' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ id: expect.any(String), token: expect.any(String), actions: ['read'] });
    expect(Date.parse(ok.body.expiresAt) - Date.now()).toBeLessThanOrEqual(86400_000);
    const me = await api(ok.body.token, 'GET', '/whoami');
    expect(me.body).toMatchObject({ username: 'ann', admin: false, token: { id: ok.body.id, actions: ['read'] } });

    const ann = ok.body.token as string;
    const notAdmin = await api(ann, 'POST', '/users', { name: 'mallory' });
    expect(notAdmin.status).toBe(403);
    expect((await api(ann, 'GET', '/users')).status).toBe(403);
    const list = await api(admin(), 'GET', '/users');
    expect(list.body.users.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(['admin', 'ann']));
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt/);

    // A failed login is audited with the name tried; the password never appears.
    const audit = await api(admin(), 'GET', '/audit?action=auth.login&outcome=denied');
    expect(audit.body.records.some((r: { actor: string }) => r.actor === 'ann')).toBe(true);
    expect(JSON.stringify(audit.body)).not.toContain('not it at all');
  });

  it('refuses logins for a name after 10 failures in 15 minutes, on the right password too, and says so', async () => {
    expect((await api(admin(), 'POST', '/users', { name: 'guessme', password: password('guessme') })).status).toBe(201);
    for (let i = 0; i < 10; i++) expect((await api(null, 'POST', '/auth/login', { username: 'guessme', password: `guess ${i} wrong` })).status).toBe(401);
    const locked = await api(null, 'POST', '/auth/login', { username: 'guessme', password: password('guessme') });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('900');
    expect(locked.body.error).toMatch(/too many wrong passwords for guessme from this address .* ask an admin to set a new password/);
    // npm's login goes through the same check.
    const npm = await fetch(`${server.url}/-/user/org.couchdb.user:guessme`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'guessme', password: password('guessme') }),
    });
    expect(npm.status).toBe(429);
    // Other names are unaffected.
    expect((await api(null, 'POST', '/auth/login', { username: 'ann', password: password('ann') })).status).toBe(201);
  });

  it('lets org owners manage members and refuses to lose the last owner', async () => {
    const olga = await signUp('olga');
    const max = await signUp('max');
    expect((await api(olga, 'POST', '/orgs', { name: 'acme' })).status).toBe(201);
    expect((await api(max, 'POST', '/orgs', { name: 'acme' })).status).toBe(409);

    const denied = await publish(max, '@acme/widgets', '1.0.0');
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatch(/max may not create @acme\/widgets.*maintainer or owner in org acme/);

    expect((await api(max, 'PUT', '/orgs/acme/members/max', { role: 'owner' })).status).toBe(403);
    await join(olga, 'acme', 'max', max, 'maintainer');
    expect((await publish(max, '@acme/widgets', '1.0.0')).status).toBe(201);
    // A maintainer publishes and tags, but cannot manage members.
    expect((await api(max, 'PUT', '/packages/@acme%2Fwidgets/dist-tags/beta', '1.0.0')).status).toBe(200);
    const notOwner = await api(max, 'PUT', '/orgs/acme/members/olga', { role: 'reader' });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error).toMatch(/"owners".*acme.*maintainer/);

    expect((await api(olga, 'PUT', '/orgs/acme/members/olga', { role: 'maintainer' })).status).toBe(409);
    expect((await api(olga, 'DELETE', '/orgs/acme/members/olga')).status).toBe(409);
    expect((await api(olga, 'PUT', '/orgs/acme/members/max', { role: 'owner' })).status).toBe(200);
    expect((await api(olga, 'PUT', '/orgs/acme/members/olga', { role: 'maintainer' })).status).toBe(200);
    expect((await api(max, 'DELETE', '/orgs/acme/members/max')).status).toBe(409);
    expect((await api(admin(), 'DELETE', '/users/max')).body.error).toMatch(/last owner of org acme/);

    const members = await api(olga, 'GET', '/orgs/acme/members');
    expect(members.body.members.map((m: { user: string; role: string }) => `${m.user}:${m.role}`)).toEqual(['max:owner', 'olga:maintainer']);
    expect((await api(null, 'GET', '/orgs/acme/members')).status).toBe(401);
    expect((await api(olga, 'GET', '/orgs')).body.orgs).toEqual([{ name: 'acme', defaultVisibility: 'public', role: 'maintainer' }]);
  });

  it('gives team members rights through grants, and takes them away at once', async () => {
    const tess = await signUp('tess');
    const carl = await signUp('carl');
    expect((await api(tess, 'POST', '/orgs', { name: 'teamco' })).status).toBe(201);
    expect((await publish(tess, '@teamco/base', '1.0.0')).status).toBe(201);
    expect((await api(tess, 'POST', '/orgs/teamco/teams', { name: 'devs' })).status).toBe(201);
    expect((await api(tess, 'POST', '/orgs/teamco/teams', { name: 'devs' })).status).toBe(409);
    // A team never brings in an outsider.
    expect((await api(tess, 'PUT', '/orgs/teamco/teams/devs/members/carl')).status).toBe(409);
    await join(tess, 'teamco', 'carl', carl, 'reader');
    expect((await api(tess, 'PUT', '/orgs/teamco/teams/devs/members/carl')).status).toBe(200);

    expect((await publish(carl, '@teamco/base', '1.1.0')).status).toBe(403);
    expect((await api(tess, 'PUT', '/packages/@teamco%2Fbase/access/teamco:devs', { role: 'maintainer' })).status).toBe(200);
    expect((await publish(carl, '@teamco/base', '1.1.0')).status).toBe(201);
    // The grant is on one package: a new package in the scope still needs more.
    expect((await publish(carl, '@teamco/other', '1.0.0')).status).toBe(403);
    expect((await api(tess, 'PUT', '/orgs/teamco/access/devs', { role: 'maintainer' })).status).toBe(200);
    expect((await publish(carl, '@teamco/other', '1.0.0')).status).toBe(201);
    const scope = await api(carl, 'GET', '/orgs/teamco/access');
    expect(scope.body).toEqual({ org: 'teamco', defaultVisibility: 'public', grants: [{ principal: 'teamco:devs', kind: 'team', role: 'maintainer' }] });

    // Leaving the team removes the right from carl's existing token, with no new login.
    expect((await api(tess, 'DELETE', '/orgs/teamco/teams/devs/members/carl')).status).toBe(200);
    const after = await publish(carl, '@teamco/base', '1.2.0');
    expect(after.status).toBe(403);
    expect(after.body.error).toMatch(/carl may not "publish:update" @teamco\/base: their role on it is reader/);
    const teams = await api(tess, 'GET', '/orgs/teamco/teams');
    expect(teams.body.teams).toEqual([{ name: 'devs', members: [] }]);
  });

  it('lets owners of unscoped packages share them, keeping at least one owner', async () => {
    const uma = await signUp('uma');
    const vic = await signUp('vic');
    expect((await publish(uma, 'rbac-solo', '1.0.0')).status).toBe(201);
    expect((await publish(vic, 'rbac-solo', '1.1.0')).status).toBe(403);
    expect((await api(vic, 'PUT', '/packages/rbac-solo/access/vic', { role: 'owner' })).status).toBe(403);
    expect((await api(uma, 'PUT', '/packages/rbac-solo/access/vic', { role: 'maintainer' })).status).toBe(200);
    expect((await publish(vic, 'rbac-solo', '1.1.0')).status).toBe(201);
    expect((await api(uma, 'DELETE', '/packages/rbac-solo/access/uma')).status).toBe(409);
    expect((await api(uma, 'PUT', '/packages/rbac-solo/access/uma', { role: 'reader' })).status).toBe(409);
    const access = await api(null, 'GET', '/packages/rbac-solo/access');
    expect(access.body).toMatchObject({
      name: 'rbac-solo',
      visibility: 'public',
      grants: expect.arrayContaining([
        { principal: 'uma', kind: 'user', role: 'owner' },
        { principal: 'vic', kind: 'user', role: 'maintainer' },
      ]),
    });
    expect((await api(uma, 'DELETE', '/packages/rbac-solo/access/vic')).status).toBe(200);
    expect((await publish(vic, 'rbac-solo', '1.2.0')).status).toBe(403);
  });

  it('scopes tokens by action, package pattern, address and lifetime, and never beyond their creator', async () => {
    const wes = await signUp('wes');
    expect((await publish(wes, 'wes-tool', '1.0.0')).status).toBe(201);
    expect((await publish(wes, 'wes-other', '1.0.0')).status).toBe(201);
    const ci = await api(wes, 'POST', '/tokens', { name: 'ci', actions: ['read', 'publish:update'], packages: ['wes-tool'], expires: '7d' });
    expect(ci.status).toBe(201);
    const ciToken = ci.body.token as string;
    expect((await publish(ciToken, 'wes-tool', '1.1.0')).status).toBe(201);
    const outside = await publish(ciToken, 'wes-other', '1.1.0');
    expect(outside.status).toBe(403);
    expect(outside.body.error).toMatch(/limited to the packages wes-tool, so it cannot "publish:update" wes-other/);
    const noNew = await publish(ciToken, 'wes-brand-new', '1.0.0');
    expect(noNew.status).toBe(403);
    expect(noNew.body.error).toMatch(/does not allow the action "publish:new" on wes-brand-new/);
    const noTags = await api(ciToken, 'PUT', '/packages/wes-tool/dist-tags/next', '1.1.0');
    expect(noTags.body.error).toMatch(/"tags"/);
    // No escalation: this token holds neither "tokens" nor "admin".
    expect((await api(ciToken, 'POST', '/tokens', { actions: ['read'] })).status).toBe(403);
    const readOnly = (await api(wes, 'POST', '/tokens', { name: 'ro', actions: ['read', 'tokens'] })).body.token as string;
    const escalate = await api(readOnly, 'POST', '/tokens', { actions: ['read', 'publish:update'] });
    expect(escalate.status).toBe(403);
    expect(escalate.body.error).toMatch(/never holds more than the token that creates it/);

    expect((await api(wes, 'POST', '/tokens', { actions: ['read'], expires: '400d' })).body.error).toMatch(/at most 365 days/);
    expect((await api(wes, 'POST', '/tokens', { actions: ['fly'] })).body.error).toMatch(/unknown action "fly"/);
    expect((await api(wes, 'POST', '/tokens', { actions: ['read'], packages: ['a*b*'] })).status).toBe(400);
    expect((await api(wes, 'POST', '/tokens', { actions: ['read'], cidr: ['10.0.0.300/8'] })).status).toBe(400);

    const far = (await api(wes, 'POST', '/tokens', { actions: ['read'], cidr: ['10.0.0.0/8'] })).body.token as string;
    const farUse = await api(far, 'GET', '/whoami');
    expect(farUse.status).toBe(403);
    expect(farUse.body.error).toMatch(/may only be used from 10\.0\.0\.0\/8.*127\.0\.0\.1/);
    const near = (await api(wes, 'POST', '/tokens', { actions: ['read'], cidr: '127.0.0.1,::1' })).body.token as string;
    expect((await api(near, 'GET', '/whoami')).status).toBe(200);

    const list = await api(wes, 'GET', '/tokens');
    const ciRow = list.body.tokens.find((t: { id: string }) => t.id === ci.body.id);
    expect(ciRow).toMatchObject({ label: 'ci', actions: ['read', 'publish:update'], packages: ['wes-tool'], lastUsedIp: '127.0.0.1', revokedAt: null });
    expect(Date.parse(ciRow.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.stringify(list.body)).not.toContain(ciToken);
    expect(list.body.tokens.every((t: { user: string }) => t.user === 'wes')).toBe(true);

    const revoked = await api(wes, 'DELETE', `/tokens/${ci.body.id}`);
    expect(revoked.status).toBe(200);
    const dead = await publish(ciToken, 'wes-tool', '1.2.0');
    expect(dead.status).toBe(401);
    expect(dead.body.error).toMatch(/revoked/);
    // Another user's token is not yours to revoke.
    const other = await signUp('xena');
    expect((await api(other, 'DELETE', `/tokens/${(await api(wes, 'GET', '/whoami')).body.token.id}`)).status).toBe(403);
    // Any token may revoke itself (a logout).
    expect((await api(readOnly, 'DELETE', `/tokens/${(await api(readOnly, 'GET', '/whoami')).body.token.id}`)).status).toBe(200);
    expect((await api(readOnly, 'GET', '/whoami')).status).toBe(401);
  });

  it("lets org owners list and revoke their members' tokens limited to the org, and no others", async () => {
    const oona = await signUp('oona');
    const pete = await signUp('pete');
    expect((await api(oona, 'POST', '/orgs', { name: 'tokco' })).status).toBe(201);
    const peteId = (await api(pete, 'GET', '/whoami')).body.token.id as string;
    expect((await api(oona, 'DELETE', `/tokens/${peteId}`)).status).toBe(403);
    await join(oona, 'tokco', 'pete', pete, 'reader');
    const ci = await api(pete, 'POST', '/tokens', { name: 'tokco ci', actions: ['read'], packages: ['@tokco/*'] });
    const listed = await api(oona, 'GET', '/tokens?org=tokco');
    const ids = listed.body.tokens.map((t: { id: string }) => t.id);
    expect(ids).toContain(ci.body.id);
    expect(ids).not.toContain(peteId);
    expect((await api(pete, 'GET', '/tokens?org=tokco')).status).toBe(403);
    expect((await api(oona, 'DELETE', `/tokens/${peteId}`)).status).toBe(403);
    expect((await api(oona, 'DELETE', `/tokens/${ci.body.id}`)).body).toMatchObject({ id: ci.body.id, user: 'pete', org: 'tokco' });
    expect((await api(ci.body.token, 'GET', '/whoami')).status).toBe(401);
    expect((await api(pete, 'GET', '/whoami')).status).toBe(200);
  });

  it('hides private packages from everyone without the read right, in reads and in search', async () => {
    const pia = await signUp('pia');
    const quinn = await signUp('quinn');
    expect((await api(pia, 'POST', '/orgs', { name: 'secretco' })).status).toBe(201);
    expect((await publish(pia, '@secretco/plans', '1.0.0')).status).toBe(201);
    expect((await api(null, 'GET', '/search?q=secretco')).body.total).toBe(1);
    const priv = await api(pia, 'PUT', '/packages/@secretco%2Fplans/visibility', { visibility: 'private' });
    expect(priv).toMatchObject({ status: 200, body: { visibility: 'private' } });
    // quinn has no role on it: to him it does not exist, for writes too.
    expect((await api(quinn, 'PUT', '/packages/@secretco%2Fplans/visibility', { visibility: 'public' })).status).toBe(404);

    // To those who may not read it, a private package answers as a missing one does.
    const anon = await api(null, 'GET', '/packages/@secretco%2Fplans');
    expect(anon).toMatchObject({ status: 404, body: { error: 'package @secretco/plans was not found' } });
    expect((await fetch(`${server.api}/packages/@secretco/plans/-/plans-1.0.0.tgz`)).status).toBe(404);
    const outsider = await api(quinn, 'GET', '/packages/@secretco%2Fplans/1.0.0');
    expect(outsider).toMatchObject({ status: 404, body: { error: 'package @secretco/plans was not found' } });
    const own = await fetch(`${server.api}/packages/@secretco%2Fplans`, { headers: { authorization: `Bearer ${pia}` } });
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toMatch(/private/);
    expect((await fetch(`${server.api}/packages/@secretco/plans/-/plans-1.0.0.tgz`, { headers: { authorization: `Bearer ${pia}` } })).status).toBe(200);

    expect((await api(null, 'GET', '/search?q=secretco')).body.total).toBe(0);
    expect((await api(quinn, 'GET', '/search?q=secretco')).body.total).toBe(0);
    expect((await api(pia, 'GET', '/search?q=secretco')).body.total).toBe(1);
    expect((await api(null, 'GET', '/search/suggest?q=@secretco')).body.suggestions).toEqual([]);

    // The org default covers packages without their own setting, including new ones.
    expect((await publish(pia, '@secretco/memo', '1.0.0')).status).toBe(201);
    expect((await api(null, 'GET', '/packages/@secretco%2Fmemo')).status).toBe(200);
    expect((await api(pia, 'PUT', '/orgs/secretco/visibility', { visibility: 'private' })).body).toMatchObject({ defaultVisibility: 'private' });
    expect((await api(null, 'GET', '/packages/@secretco%2Fmemo')).status).toBe(404);
    await join(pia, 'secretco', 'quinn', quinn, 'reader');
    expect((await api(quinn, 'GET', '/packages/@secretco%2Fmemo')).status).toBe(200);
    expect((await api(quinn, 'GET', '/search?q=secretco')).body.total).toBe(2);
    expect((await publish(quinn, '@secretco/memo', '1.1.0')).status).toBe(403);
  });

  it('records every write in an audit log that admins filter and org owners read for their orgs', async () => {
    const ada = await signUp('ada');
    const ben = await signUp('ben');
    expect((await api(ada, 'POST', '/orgs', { name: 'auditco' })).status).toBe(201);
    await join(ada, 'auditco', 'ben', ben, 'maintainer');
    expect((await publish(ben, '@auditco/log', '1.0.0')).status).toBe(201);
    expect((await publish(ben, '@auditco/log', '1.0.0')).status).toBe(200);
    expect((await api(ben, 'PUT', '/orgs/auditco/members/ben', { role: 'owner' })).status).toBe(403);

    const all = await api(admin(), 'GET', '/audit?org=auditco');
    const summary = all.body.records.map((r: { actor: string; action: string; outcome: string }) => `${r.actor} ${r.action} ${r.outcome}`).reverse();
    expect(summary).toEqual([
      'ada org.create ok',
      'ada org.member.invite ok',
      'ben org.invitation.accept ok',
      'ben package.publish ok',
      'ben package.publish ok',
      'ben org.member.set denied',
    ]);
    const rec = all.body.records.find((r: { action: string }) => r.action === 'package.publish');
    expect(rec).toMatchObject({
      target: '@auditco/log',
      ip: '127.0.0.1',
      tokenId: expect.any(String),
      status: expect.any(Number),
      detail: { version: '1.0.0' },
    });
    expect(Date.parse(rec.at)).toBeGreaterThan(Date.now() - 120_000);

    const mine = await api(ada, 'GET', '/audit');
    expect(mine.status).toBe(200);
    expect(mine.body.records.length).toBeGreaterThanOrEqual(5);
    expect(mine.body.records.every((r: { org: string }) => r.org === 'auditco')).toBe(true);
    expect((await api(ada, 'GET', '/audit?org=teamco')).status).toBe(403);
    expect((await api(ben, 'GET', '/audit')).status).toBe(403);

    const page1 = await api(admin(), 'GET', '/audit?limit=2');
    expect(page1.body.records).toHaveLength(2);
    const page2 = await api(admin(), 'GET', `/audit?limit=2&before=${page1.body.next}`);
    expect(page2.body.records[0].id).toBeLessThan(page1.body.records[1].id);
    expect((await api(admin(), 'GET', '/audit?since=yesterday')).status).toBe(400);
    expect((await api(admin(), 'GET', '/audit?actor=ben&outcome=denied')).body.records.map((r: { action: string }) => r.action)).toEqual(['org.member.set']);
  });

  it('lets owners unpublish within the window, never reusing a number, and moves latest', async () => {
    const una = await signUp('una');
    const mo = await signUp('mo');
    for (const v of ['1.0.0', '1.1.0', '2.0.0-beta.1']) expect((await publish(una, 'rbac-gone', v)).status).toBe(201);
    expect((await api(una, 'PUT', '/packages/rbac-gone/access/mo', { role: 'maintainer' })).status).toBe(200);
    const notOwner = await api(mo, 'DELETE', '/packages/rbac-gone/1.1.0');
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error).toMatch(/mo may not "unpublish" rbac-gone: their role on it is maintainer/);
    const gone = await api(una, 'DELETE', '/packages/rbac-gone/1.1.0');
    expect(gone.body).toEqual({ name: 'rbac-gone', removed: ['1.1.0'], remaining: ['1.0.0', '2.0.0-beta.1'], 'dist-tags': { latest: '1.0.0' } });
    expect((await api(null, 'GET', '/packages/rbac-gone/1.1.0')).status).toBe(404);
    expect((await fetch(`${server.api}/packages/rbac-gone/-/rbac-gone-1.1.0.tgz`)).status).toBe(404);
    const again = await publish(una, 'rbac-gone', '1.1.0');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/can never be reused/);
    expect((await api(una, 'DELETE', '/packages/rbac-gone/1.1.0')).status).toBe(404);
    const all = await api(una, 'DELETE', '/packages/rbac-gone');
    expect(all.body).toMatchObject({ removed: ['1.0.0', '2.0.0-beta.1'], remaining: [], 'dist-tags': {} });
    expect((await api(null, 'GET', '/packages/rbac-gone')).body.versions).toEqual({});
    expect((await api(null, 'GET', '/search?q=rbac-gone')).body.objects.map((o: { package: { name: string } }) => o.package.name)).not.toContain('rbac-gone');
    // The name stays with its owners.
    expect((await publish(mo, 'rbac-gone', '3.0.0')).status).toBe(201);
    expect((await publish(await signUp('nemo'), 'rbac-gone', '3.0.1')).status).toBe(403);
    const audit = await api(admin(), 'GET', '/audit?target=rbac-gone&outcome=ok');
    expect(audit.body.records.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['version.unpublish', 'package.unpublish']));
  });

  it('serves its public keys as JWKS, rotates keys without breaking old tokens, and audits CLI changes', async () => {
    const before = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string; kty: string; d?: string }[] };
    const kid = JSON.parse(Buffer.from(server.adminToken.split('.')[0]!, 'base64url').toString()).kid;
    expect(before.keys.map((k) => k.kid)).toContain(kid);
    expect(before.keys.every((k) => k.kty === 'EC' && k.d === undefined)).toBe(true);

    const rotated = await unjucksRegistry(['keys', 'rotate', '--json'], { env: server.env });
    expect(rotated.code).toBe(0);
    const newKid = JSON.parse(rotated.stdout).kid;
    const after = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(after.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, newKid]));
    expect((await api(admin(), 'GET', '/whoami')).status).toBe(200);
    const fresh = await unjucksRegistry(['token', 'create', '--user', 'rotor', '--actions', 'read', '--json'], { env: server.env });
    const minted = JSON.parse(fresh.stdout);
    expect(JSON.parse(Buffer.from(minted.token.split('.')[0], 'base64url').toString()).kid).toBe(newKid);

    const revoke = await unjucksRegistry(['token', 'revoke', minted.id], { env: server.env });
    expect(revoke).toMatchObject({ code: 0, stdout: `revoked token ${minted.id}\n` });
    expect((await api(minted.token, 'GET', '/whoami')).status).toBe(401);
    const audit = await api(admin(), 'GET', `/audit?target=token:${minted.id}`);
    expect(audit.body.records.map((r: { action: string }) => r.action).sort()).toEqual(['token.create', 'token.revoke']);
  });

  it('adds users and revokes tokens with the server CLI whether or not the server runs', async () => {
    const add = await unjucksRegistry(['user', 'add', 'cli-user', '--password-stdin'], { env: server.env, input: 'a long password\n' });
    expect(add).toMatchObject({ code: 0, stdout: 'created user cli-user\n' });
    const login = await api(null, 'POST', '/auth/login', { username: 'cli-user', password: 'a long password' });
    expect(login.status).toBe(201);
    await server.stop();
    const offline = await unjucksRegistry(['user', 'add', 'cli-offline', '--admin'], { env: server.env });
    expect(offline).toMatchObject({ code: 0, stdout: 'created user cli-offline (admin)\n' });
    const revoke = await unjucksRegistry(['token', 'revoke', login.body.id], { env: server.env });
    expect(revoke.code).toBe(0);
    const dup = await unjucksRegistry(['user', 'add', 'cli-user'], { env: server.env });
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/already exists/);
    await server.restart();
    expect((await api(login.body.token, 'GET', '/whoami')).status).toBe(401);
    const users = await api(admin(), 'GET', '/users');
    expect(users.body.users).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'cli-offline', admin: true })]));
  });
});

describe('the unpublish window', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, { UNPUBLISH_WINDOW: '1s' });
  });
  afterAll(() => server?.destroy());

  it('lets owners unpublish only young versions, and admins any', async () => {
    const admin = server.adminToken;
    const owner = (await unjucksRegistry(['token', 'create', '--user', 'late', '--role', 'publisher'], { env: server.env })).stdout.trim();
    expect((await publishRaw(server.api, owner, packageTarball('window-pkg', '1.0.0'))).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1500));
    const late = await fetch(`${server.api}/packages/window-pkg/1.0.0`, { method: 'DELETE', headers: { authorization: `Bearer ${owner}` } });
    expect(late.status).toBe(403);
    expect(((await late.json()) as { error: string }).error).toMatch(
      /window-pkg@1.0.0 was published more than .* only a registry admin may unpublish \(deprecate it instead\)/,
    );
    expect((await fetch(`${server.api}/packages/window-pkg/1.0.0`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
  });
});

describe('a signing key from configuration', () => {
  let server: TestServer;
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!, { SIGNING_KEY: JSON.stringify(jwk) });
  });
  afterAll(() => server?.destroy());

  it('signs tokens with it and publishes its public half, never the private one', async () => {
    const kid = JSON.parse(Buffer.from(server.adminToken.split('.')[0]!, 'base64url').toString()).kid as string;
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string; x: string; d?: string }[] };
    const published = jwks.keys.find((k) => k.kid === kid);
    expect(published).toMatchObject({ x: jwk.x, kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(published!.d).toBeUndefined();
    expect(server.stdout()).toContain(`signing tokens with the configured key ${kid}`);
    const cli = await unjucksRegistry(['token', 'create', '--user', 'conf', '--actions', 'read', '--json'], { env: server.env });
    expect(JSON.parse(Buffer.from(JSON.parse(cli.stdout).token.split('.')[0], 'base64url').toString()).kid).toBe(kid);
  });

  it('refuses to start with a key that is not a private P-256 JWK', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-badkey-'));
    try {
      const r = await unjucksRegistry(['start'], { env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SIGNING_KEY: '{"kty":"RSA","n":"x","e":"AQAB"}' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/SIGNING_KEY must be a private EC P-256 JWK/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
