import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucks } from './helpers/cli.js';
import { writePackageDir } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The account and access commands of the real `unjucks` binary, as a team would use them. */
describe('unjucks account and access commands', () => {
  let server: TestServer;
  let homes: string;
  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!);
    homes = await mkdtemp(join(tmpdir(), 'unjucks-accounts-'));
  });
  afterAll(async () => {
    await server?.destroy();
    await rm(homes, { recursive: true, force: true });
  });

  /** Each person has their own HOME, so their own saved login. */
  const as = (who: string) => ({ HOME: join(homes, who), UNJUCKS_REGISTRY: server.url });
  const asAdmin = () => ({ ...as('admin'), UNJUCKS_TOKEN: server.adminToken });
  const ok = async (args: string[], env: Record<string, string>, input?: string) => {
    const r = await unjucks(args, { env, input });
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.code, args.join(' ')).toBe(0);
    return r.stdout;
  };

  it('runs a team through users, login, orgs, teams, grants, visibility, tokens and the audit log', async () => {
    expect(await ok(['user', 'add', 'nia', '--password'], asAdmin(), 'nia-password-1\n')).toBe('created user nia\n');
    expect(await ok(['user', 'add', 'omar', '--password'], asAdmin(), 'omar-password-1\n')).toBe('created user omar\n');
    expect(await ok(['user', 'ls'], asAdmin())).toMatch(/nia\s+set/);

    const login = await ok(['login', '--registry', server.url, '--username', 'nia'], { HOME: join(homes, 'nia') }, 'nia-password-1\n');
    expect(login).toMatch(/^logged in to .* as nia with read, publish:new/);
    const config = join(homes, 'nia', '.config', 'unjucks', 'config.json');
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(await readFile(config, 'utf8')).not.toContain('nia-password-1');
    const wrong = await unjucks(['login', '--registry', server.url, '--username', 'nia'], { env: { HOME: join(homes, 'x') }, input: 'not the password\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/logging in: the registry answered 401: wrong username or password/);
    await ok(['login', '--registry', server.url, '--username', 'omar'], { HOME: join(homes, 'omar') }, 'omar-password-1\n');
    expect(await ok(['whoami'], as('nia'))).toMatch(/^nia on http.*\ntoken .*: read, publish:new/);

    expect(await ok(['org', 'create', 'nco'], as('nia'))).toBe('created org nco; you own the scope @nco\n');
    const noRole = await unjucks(['org', 'member', 'add', 'nco', 'omar'], { env: as('nia') });
    expect(noRole).toMatchObject({ code: 1, stderr: 'unjucks: org member add needs --role owner|maintainer|reader\n' });
    expect(await ok(['org', 'member', 'add', 'nco', 'omar', '--role', 'reader'], as('nia'))).toBe(
      'invited omar to org nco as reader; they join when they run "unjucks org accept nco"\n',
    );
    expect(await ok(['org', 'member', 'ls', 'nco'], as('nia'))).toMatch(/USER\s+ROLE\nnia\s+owner\nomar\s+reader \(invited\)/);
    expect(await ok(['org', 'invitations', 'nco'], as('nia'))).toMatch(/USER\s+ROLE\s+INVITED BY\s+SINCE\nomar\s+reader\s+nia\s+\d{4}-/);
    expect(await ok(['org', 'invitations'], as('omar'))).toMatch(/ORG\s+ROLE\s+INVITED BY\s+SINCE\nnco\s+reader\s+nia/);
    expect(await ok(['org', 'accept', 'nco'], as('omar'))).toBe('you are now reader of org nco\n');
    expect(await ok(['org', 'invitations'], as('omar'))).toBe('no open invitations\n');
    expect(await ok(['org', 'member', 'ls', 'nco'], as('omar'))).toMatch(/USER\s+ROLE\nnia\s+owner\nomar\s+reader/);
    expect(await ok(['org', 'ls'], as('omar'))).toMatch(/nco\s+reader\s+public/);

    await ok(['team', 'create', 'nco:devs'], as('nia'));
    await ok(['team', 'member', 'add', 'nco:devs', 'omar'], as('nia'));
    expect(await ok(['team', 'ls', 'nco'], as('nia'))).toMatch(/nco:devs\s+omar/);

    const dir = await writePackageDir('@nco/kit', '1.0.0');
    await ok(['publish', dir], as('nia'));
    const dir2 = await writePackageDir('@nco/kit', '1.1.0');
    const refused = await unjucks(['publish', dir2], { env: as('omar') });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/answered 403: user omar may not "publish:update" @nco\/kit: their role on it is reader/);
    await ok(['access', 'grant', '@nco/kit', 'nco:devs', 'maintainer'], as('nia'));
    await ok(['publish', dir2], as('omar'));
    expect(await ok(['access', 'ls', '@nco/kit'], as('omar'))).toMatch(/@nco\/kit: public\nWHO\s+ROLE\nnco:devs\s+maintainer/);

    await ok(['access', 'private', '@nco'], as('nia'));
    const anon = await unjucks(['info', '@nco/kit'], { env: { HOME: join(homes, 'anon'), UNJUCKS_REGISTRY: server.url } });
    expect(anon.code).toBe(1);
    expect(anon.stderr).toMatch(/404: package @nco\/kit was not found/);
    expect(await ok(['info', '@nco/kit'], as('omar'))).toMatch(/1\.1\.0/);
    expect(await ok(['access', 'ls', '@nco'], as('nia'))).toMatch(/@nco: packages are private by default/);

    const created = JSON.parse(
      await ok(['token', 'create', '--name', 'ci', '--actions', 'read,publish:update', '--packages', '@nco/*', '--expires', '30d', '--json'], as('omar')),
    );
    expect(created).toMatchObject({ id: expect.any(String), token: expect.any(String), actions: ['read', 'publish:update'], packages: ['@nco/*'] });
    const list = await ok(['token', 'list'], as('omar'));
    expect(list).toMatch(new RegExp(`${created.id}\\s+omar\\s+ci\\s+read,publish:update\\s+@nco/\\*`));
    expect(list).not.toContain(created.token);
    // The owner sees and revokes members' tokens.
    expect(await ok(['token', 'list', '--org', 'nco'], as('nia'))).toContain(created.id);
    expect(await ok(['token', 'revoke', created.id], as('nia'))).toBe(`revoked token ${created.id}\n`);
    const dead = await unjucks(['whoami'], { env: { HOME: join(homes, 'ci'), UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: created.token } });
    expect(dead.stderr).toMatch(/401: the token .* was revoked/);

    const audit = await ok(['audit', '--org', 'nco'], as('nia'));
    for (const action of [
      'org.create',
      'org.member.invite',
      'org.invitation.accept',
      'team.create',
      'team.member.add',
      'package.publish',
      'access.grant',
      'scope.visibility',
      'token.revoke',
    ])
      expect(audit, action).toContain(action);
    expect(audit).toMatch(/omar\s+package\.publish\s+@nco\/kit\s+denied 403/);

    // Password change: a user changes their own by giving the current one.
    const noCurrent = await unjucks(['user', 'passwd'], { env: as('omar'), input: 'omar-password-2\n' });
    expect(noCurrent.stderr).toMatch(/current password/);
    await ok(['user', 'passwd', '--current'], as('omar'), 'omar-password-2\nomar-password-1\n');
    await ok(['login', '--registry', server.url, '--username', 'omar'], { HOME: join(homes, 'omar') }, 'omar-password-2\n');

    const whole = await unjucks(['unpublish', '@nco/kit'], { env: as('nia') });
    expect(whole.stderr).toMatch(/needs --force/);
    expect(await ok(['unpublish', '@nco/kit@1.1.0'], as('nia'))).toMatch(/^unpublished @nco\/kit@1\.1\.0; 1 version\(s\) remain/);
    expect(await ok(['unpublish', '@nco/kit', '--force', '--json'], as('nia'))).toContain('"removed"');
    await ok(['team', 'member', 'rm', 'nco:devs', 'omar'], as('nia'));
    await ok(['org', 'member', 'rm', 'nco', 'omar'], as('nia'));
    const last = await unjucks(['org', 'member', 'rm', 'nco', 'nia'], { env: as('nia') });
    expect(last.stderr).toMatch(/409: user nia is the last owner of org nco/);
    expect(await ok(['user', 'rm', 'omar'], asAdmin())).toBe('removed user omar and their tokens\n');
  });
});
