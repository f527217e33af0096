import { request } from 'node:http';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { unjucksRegistry } from '../helpers/cli.js';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Attacks on accounts from the security review (issue 12, findings 1, 2 and the account parts of
 * 6), each driven as the attacker would, over real HTTP against the real server binary.
 */

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One API call from a chosen local address: the loopback network is 127.0.0.0/8, so 127.0.0.2 is
 * another client to the server (its socket address), with no proxy header to trust or forge.
 */
function callFrom(from: string, url: string, method: string, token: string | null, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      {
        method,
        localAddress: from,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe.each(BACKENDS)('account security on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.destroy());

  const api = (token: string | null, method: string, path: string, body?: unknown, from = '127.0.0.1') =>
    callFrom(from, `${server.api}${path}`, method, token, body);
  const admin = () => server.adminToken;
  const password = (user: string) => `correct horse ${user}`;
  const loginFrom = (from: string, user: string, pw: string) => api(null, 'POST', '/auth/login', { username: user, password: pw }, from);
  const signUp = async (user: string) => {
    expect((await api(admin(), 'POST', '/users', { name: user, password: password(user) })).status).toBe(201);
    const login = await loginFrom('127.0.0.1', user, password(user));
    expect(login.status).toBe(201);
    return login.body.token as string;
  };
  const tokenIds = (r: Answer) => (r.body.tokens as { id: string }[]).map((t) => t.id);

  describe("finding 1: org membership hands over a user's tokens", () => {
    it("adding someone to an org is an invitation: the attacker never sees or revokes the admin's tokens", async () => {
      const mallory = await signUp('mallory');
      expect((await api(mallory, 'POST', '/orgs', { name: 'trap' })).status).toBe(201);
      const adminTokens = await api(admin(), 'GET', '/tokens');
      const adminTokenId = adminTokens.body.tokens[0].id as string;

      // The attack: add the registry admin as a reader, then list and revoke their tokens.
      const add = await api(mallory, 'PUT', '/orgs/trap/members/admin', { role: 'reader' });
      expect(add.status).toBe(202);
      expect(add.body).toEqual({ org: 'trap', user: 'admin', role: 'reader', invited: true });
      const listed = await api(mallory, 'GET', '/tokens?user=admin');
      expect(listed.status).toBe(403);
      expect(listed.body.error).toMatch(/may not see the tokens of admin/);
      const viaOrg = await api(mallory, 'GET', '/tokens?org=trap');
      expect(viaOrg.status).toBe(200);
      expect(tokenIds(viaOrg)).not.toContain(adminTokenId);
      expect(JSON.stringify(viaOrg.body)).not.toMatch(/"user":"admin"/);
      const revoke = await api(mallory, 'DELETE', `/tokens/${adminTokenId}`);
      expect(revoke.status).toBe(403);
      expect((await api(admin(), 'GET', '/whoami')).status).toBe(200);

      // Until they accept, invitees are not members: not listed as one, pending to the owner only.
      const members = await api(mallory, 'GET', '/orgs/trap/members');
      expect(members.body.members.map((m: { user: string }) => m.user)).toEqual(['mallory']);
      expect(members.body.pending).toEqual([{ user: 'admin', role: 'reader', invitedBy: 'mallory', since: expect.any(String) }]);
      expect((await api(mallory, 'GET', '/orgs/trap/invitations')).body.invitations).toMatchObject([{ user: 'admin', role: 'reader' }]);
      expect((await api(admin(), 'GET', '/invitations')).body.invitations).toMatchObject([{ org: 'trap', role: 'reader', invitedBy: 'mallory' }]);
      expect((await api(admin(), 'POST', '/invitations/trap/decline')).body).toEqual({ org: 'trap', user: 'admin', declined: true });
      expect((await api(admin(), 'POST', '/invitations/trap/accept')).status).toBe(404);
      expect((await api(mallory, 'GET', '/orgs/trap/members')).body.pending).toEqual([]);
    });

    it('an invitee holds no rights until accepting; then owners see and revoke only tokens limited to the org', async () => {
      const olive = await signUp('olive');
      const bob = await signUp('bob');
      expect((await api(olive, 'POST', '/orgs', { name: 'hush' })).status).toBe(201);
      expect((await publishRaw(server.api, olive, packageTarball('@hush/kit', '1.0.0'))).status).toBe(201);
      expect((await api(olive, 'PUT', '/orgs/hush/visibility', { visibility: 'private' })).status).toBe(200);

      expect((await api(olive, 'PUT', '/orgs/hush/members/bob', { role: 'reader' })).status).toBe(202);
      // Refused (403, or 404 where private packages answer as missing ones do).
      expect([403, 404]).toContain((await api(bob, 'GET', '/packages/@hush%2Fkit')).status);
      expect((await api(bob, 'GET', '/orgs/hush/members')).status).toBe(403);
      // Changing the offered role re-invites; it does not make bob a member.
      expect((await api(olive, 'PUT', '/orgs/hush/members/bob', { role: 'maintainer' })).status).toBe(202);

      // Accepting acts on the whole account: a narrow token may not.
      const narrow = await api(bob, 'POST', '/tokens', { name: 'narrow', actions: ['read'], packages: ['@hush/*'] });
      const refused = await api(narrow.body.token, 'POST', '/invitations/hush/accept');
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatch(/acts on the whole account.*lacks the actions "publish:new"/);
      expect((await api(bob, 'POST', '/invitations/hush/accept')).body).toEqual({ org: 'hush', user: 'bob', role: 'maintainer' });
      expect((await api(bob, 'GET', '/packages/@hush%2Fkit')).status).toBe(200);

      const orgToken = await api(bob, 'POST', '/tokens', { name: 'hush ci', actions: ['read', 'publish:update'], packages: ['@hush/kit', '@hush/*'] });
      const mixed = await api(bob, 'POST', '/tokens', { name: 'mixed', actions: ['read'], packages: ['@hush/*', 'other-*'] });
      const own = (await api(bob, 'GET', '/tokens')).body.tokens as { id: string; label: string }[];
      const loginToken = own.find((t) => t.label === 'login')!;

      const seen = await api(olive, 'GET', '/tokens?org=hush');
      expect(tokenIds(seen)).toEqual(expect.arrayContaining([orgToken.body.id, narrow.body.id]));
      expect(tokenIds(seen)).not.toContain(loginToken.id);
      expect(tokenIds(seen)).not.toContain(mixed.body.id);
      // Asking by user shows the same: only bob's tokens limited to an org olive owns.
      expect(tokenIds(await api(olive, 'GET', '/tokens?user=bob')).sort()).toEqual(tokenIds(seen).sort());
      expect((await api(olive, 'DELETE', `/tokens/${loginToken.id}`)).status).toBe(403);
      expect((await api(olive, 'DELETE', `/tokens/${mixed.body.id}`)).status).toBe(403);
      const revoked = await api(olive, 'DELETE', `/tokens/${orgToken.body.id}`);
      expect(revoked.body).toMatchObject({ id: orgToken.body.id, user: 'bob', org: 'hush' });
      // The admin still manages everyone's tokens.
      expect((await api(admin(), 'DELETE', `/tokens/${mixed.body.id}`)).status).toBe(200);
    });

    it('registry admins add members directly', async () => {
      const owen = await signUp('owen');
      await signUp('dana');
      expect((await api(owen, 'POST', '/orgs', { name: 'direct' })).status).toBe(201);
      expect((await api(owen, 'PUT', '/orgs/direct/members/dana', { role: 'reader' })).status).toBe(202);
      expect((await api(admin(), 'PUT', '/orgs/direct/members/dana', { role: 'maintainer' })).body).toEqual({
        org: 'direct',
        user: 'dana',
        role: 'maintainer',
      });
      const members = await api(owen, 'GET', '/orgs/direct/members');
      expect(members.body.members.map((m: { user: string; role: string }) => `${m.user}:${m.role}`)).toEqual(['dana:maintainer', 'owen:owner']);
      // The admin's add answered the open invitation.
      expect(members.body.pending).toEqual([]);
    });
  });

  describe('finding 2: a read-only token takes over its account', () => {
    it('refuses account actions to a narrow token before looking at any password', async () => {
      const vic = await signUp('vic');
      const ro = (await api(vic, 'POST', '/tokens', { name: 'ro', actions: ['read'], packages: ['vic-tpl'] })).body.token as string;

      // The attack: guess the password through the password route, then change it.
      for (let i = 0; i < 15; i++) {
        const guess = await api(ro, 'PUT', '/users/vic/password', { password: 'taken over!', currentPassword: `guess ${i}` });
        expect(guess.status).toBe(403);
        expect(guess.body.error).toMatch(/changing your password acts on the whole account.*lacks the actions "publish:new".*package limits \(vic-tpl\)/);
      }
      const right = await api(ro, 'PUT', '/users/vic/password', { password: 'taken over!', currentPassword: password('vic') });
      expect(right.status).toBe(403);
      expect((await loginFrom('127.0.0.1', 'vic', 'taken over!')).status).toBe(401);
      expect((await loginFrom('127.0.0.1', 'vic', password('vic'))).status).toBe(201);

      // npm token create with the same token: the missing action is named, the password never checked.
      const npm = await callFrom('127.0.0.1', `${server.url}/-/npm/v1/tokens`, 'POST', ro, { password: password('vic'), readonly: false });
      expect(npm.status).toBe(403);
      expect(npm.body.error).toMatch(/does not allow the action "tokens"/);
      // No password was tried: nothing counted against the account.
      const tried = await api(admin(), 'GET', '/audit?action=auth.password&actor=vic');
      expect(tried.body.records.filter((r: { detail: { for: string } }) => r.detail.for !== 'auth.login')).toEqual([]);
    });

    it('throttles wrong current passwords like logins, then refuses even the right one', async () => {
      const wes = await signUp('wes');
      for (let i = 0; i < 10; i++)
        expect((await api(wes, 'PUT', '/users/wes/password', { password: 'a new password', currentPassword: `guess ${i}` })).status).toBe(403);
      const locked = await api(wes, 'PUT', '/users/wes/password', { password: 'a new password', currentPassword: password('wes') });
      expect(locked.status).toBe(429);
      expect(locked.body.error).toMatch(/too many wrong passwords for wes from this address/);
      // npm token create counts the same failures.
      const npm = await callFrom('127.0.0.1', `${server.url}/-/npm/v1/tokens`, 'POST', wes, { password: password('wes') });
      expect(npm.status).toBe(429);
    });

    it('an attacker elsewhere is throttled, and cannot keep the owner from signing in', async () => {
      await signUp('owner1');
      // The attacker guesses from 127.0.0.2 until refused, and stays refused with the right password.
      for (let i = 0; i < 10; i++) expect((await loginFrom('127.0.0.2', 'owner1', `guess ${i}`)).status).toBe(401);
      const attacker = await loginFrom('127.0.0.2', 'owner1', password('owner1'));
      expect(attacker.status).toBe(429);
      expect(attacker.headers['retry-after']).toBe('900');
      // The owner, from their own address, still gets in: by the API and by npm login.
      expect((await loginFrom('127.0.0.1', 'owner1', password('owner1'))).status).toBe(201);
      const npm = await callFrom('127.0.0.1', `${server.url}/-/user/org.couchdb.user:owner1`, 'PUT', null, { name: 'owner1', password: password('owner1') });
      expect(npm.status).toBe(201);
    });

    it('limits one address over many account names', async () => {
      for (let i = 0; i < 30; i++) expect((await loginFrom('127.0.0.3', `spray-${i}`, 'a guess 123')).status).toBe(401);
      const next = await loginFrom('127.0.0.3', 'spray-new', 'a guess 123');
      expect(next.status).toBe(429);
      expect(next.body.error).toMatch(/too many wrong passwords from this address/);
    });
  });

  it.runIf(backend.label === BACKENDS[BACKENDS.length - 1]!.label)(
    'a distributed attack locks out new addresses only: the owner signs in from an address they used before',
    async () => {
      await signUp('popular');
      // 100 wrong passwords from ten addresses at once, each under its own per-address limits (one
      // check in flight per address: more would meet the per-address concurrency guard's 429).
      await Promise.all(
        Array.from({ length: 10 }, async (_, h) => {
          for (let i = 0; i < 10; i++) expect((await loginFrom(`127.0.0.${10 + h}`, 'popular', `guess ${h}-${i}`)).status).toBe(401);
        }),
      );
      const fresh = await loginFrom('127.0.0.50', 'popular', password('popular'));
      expect(fresh.status).toBe(429);
      expect(fresh.body.error).toMatch(/signs in only from addresses it signed in from/);
      expect((await loginFrom('127.0.0.1', 'popular', password('popular'))).status).toBe(201);
    },
    120_000,
  );

  describe('finding 6: names', () => {
    it('refuses new names npm refuses, and scopes no org could have', async () => {
      const nina = await signUp('nina');
      for (const name of ['tilde~gen', '@~/gen', '@-/gen', 'http']) {
        const r = await publishRaw(server.api, nina, packageTarball(name, '1.0.0'));
        expect(r.status, name).toBe(400);
        expect(r.body.error, name).toMatch(/invalid name for a new package/);
      }
      expect((await api(nina, 'GET', '/orgs')).body.orgs).toEqual([]);
      expect((await api(nina, 'POST', '/orgs', { name: '~' })).status).toBe(400);
    });

    it('an admin renames an org over the API, moving its packages, members and token patterns', async () => {
      const rae = await signUp('rae');
      expect((await api(rae, 'POST', '/orgs', { name: 'oldco' })).status).toBe(201);
      expect((await publishRaw(server.api, rae, packageTarball('@oldco/kit', '1.0.0'))).status).toBe(201);
      const ci = (await api(rae, 'POST', '/tokens', { name: 'ci', actions: ['read'], packages: ['@oldco/kit'] })).body;
      expect((await api(admin(), 'POST', '/orgs', { name: 'taken' })).status).toBe(201);
      expect((await api(admin(), 'POST', '/orgs/oldco/rename', { name: 'taken' })).status).toBe(409);
      const r = await api(admin(), 'POST', '/orgs/oldco/rename', { name: 'newco' });
      expect(r.body).toEqual({ from: 'oldco', to: 'newco', packages: [{ from: '@oldco/kit', to: '@newco/kit' }], tokens: 1 });
      expect((await api(null, 'GET', '/packages/@newco%2Fkit/1.0.0')).body.name).toBe('@newco/kit');
      expect((await api(null, 'GET', '/packages/@oldco%2Fkit')).status).toBe(404);
      expect((await api(rae, 'GET', '/orgs')).body.orgs).toMatchObject([{ name: 'newco', role: 'owner' }]);
      expect((await api(ci.token, 'GET', '/packages/@newco%2Fkit')).status).toBe(200);
      expect((await api(ci.token, 'GET', '/whoami')).body.token.packages).toEqual(['@newco/kit']);
      // Every replica's search index hears of the move (asynchronously, by notification).
      const found = async () => ((await api(null, 'GET', '/search?q=kit')).body.objects as { package: { name: string } }[]).map((o) => o.package.name);
      await expect.poll(found, { timeout: 10_000 }).toContain('@newco/kit');
      expect(await found()).not.toContain('@oldco/kit');
    });

    it.runIf(backend.db === 'postgres')('an admin renames an org whose name is no longer valid, with its packages', async () => {
      const lee = await signUp('lee');
      expect((await publishRaw(server.api, lee, packageTarball('@legacy/gen', '1.0.0'))).status).toBe(201);
      const scoped = (await api(lee, 'POST', '/tokens', { name: 'legacy ci', actions: ['read'], packages: ['@legacy/*'] })).body;
      // What an older registry let a first publish create: the org "~" and @~/gen.
      const sql = postgres(server.env.DATABASE_URL!, { max: 1, onnotice: () => undefined });
      try {
        await sql`update orgs set name = '~' where name = 'legacy'`;
        await sql`update packages set name = '@~/gen', canonical_name = '@~/gen', revision = revision + 1 where name = '@legacy/gen'`;
        await sql`update versions set manifest = jsonb_set(manifest, '{name}', '"@~/gen"') where package_id = (select id from packages where name = '@~/gen')`;
        await sql`update tokens set packages = '["@~/*"]' where jti = ${scoped.id}`;
      } finally {
        await sql.end();
      }
      expect((await api(lee, 'GET', '/orgs/~/members')).status).toBe(400);

      expect((await api(lee, 'POST', '/orgs/~/rename', { name: 'fixed' })).status).toBe(403);
      expect((await api(admin(), 'POST', '/orgs/~/rename', { name: '-bad' })).status).toBe(400);
      const cli = await unjucksRegistry(['org', 'rename', '~', 'fixed'], { env: server.env });
      expect(cli).toMatchObject({ code: 0, stdout: 'renamed org ~ to fixed\n  @~/gen -> @fixed/gen\n' });

      expect((await api(lee, 'GET', '/orgs/fixed/members')).body.members).toMatchObject([{ user: 'lee', role: 'owner' }]);
      const pkg = await api(null, 'GET', '/packages/@fixed%2Fgen');
      expect(pkg.status).toBe(200);
      expect(pkg.body.name).toBe('@fixed/gen');
      const npm = await callFrom('127.0.0.1', `${server.url}/@fixed%2fgen`, 'GET', null);
      expect(npm.body.versions['1.0.0'].name).toBe('@fixed/gen');
      const tarball = await fetch(npm.body.versions['1.0.0'].dist.tarball);
      expect(tarball.status).toBe(200);
      expect((await api(null, 'GET', '/packages/@~%2Fgen')).status).toBe(404);
      expect((await api(scoped.token, 'GET', '/whoami')).body.token.packages).toEqual(['@fixed/*']);
      expect((await publishRaw(server.api, lee, packageTarball('@fixed/gen', '1.1.0'))).status).toBe(201);
      const audit = await api(admin(), 'GET', '/audit?action=org.rename');
      expect(audit.body.records[0]).toMatchObject({ target: '@~', outcome: 'ok', detail: { to: 'fixed', packages: 1, tokens: 1 } });
    });
  });
});
