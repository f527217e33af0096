import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { unjucks } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The login saved by `unjucks login` belongs to the registry it was made for. The client sent it
 * to whatever registry a command named with --registry, so `unjucks search x --registry
 * https://someone-else` handed that server a working token for ours (found when a CI machine's
 * saved login reached a test registry, which answered 401 "signed by an unknown key").
 */
describe('a saved login', () => {
  let server: TestServer;
  let other: Server;
  let otherUrl: string;
  const seen: IncomingHttpHeaders[] = [];
  let home: string;

  beforeAll(async () => {
    server = await startTestServer(BACKENDS[0]!);
    // Another registry, as far as the client can tell: answers a search and records what it was sent.
    other = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      // One body for every route it is asked: a search answer and a whoami answer.
      res.end(
        JSON.stringify({ objects: [], total: 0, time: new Date().toISOString(), username: 'mallory', admin: false, token: { id: 't', actions: ['read'] } }),
      );
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    home = await mkdtemp(join(tmpdir(), 'unjucks-home-'));
  });
  afterAll(async () => {
    await server?.destroy();
    await new Promise((r) => other?.close(r));
    await rm(home, { recursive: true, force: true });
  });

  const env = () => ({ HOME: home });

  it('is not sent to another registry named with --registry', async () => {
    const login = await unjucks(['login', '--registry', server.url, '--token', server.adminToken], { env: env() });
    expect(login.code).toBe(0);
    seen.length = 0;
    const r = await unjucks(['search', 'anything', '--registry', otherUrl], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    for (const h of seen) expect(h.authorization).toBeUndefined();
    // Still used for its own registry, with or without --registry, the URL spelled either way.
    for (const args of [[], ['--registry', server.url], ['--registry', `${server.url.replace('http:', 'HTTP:')}/`]]) {
      const me = await unjucks(['whoami', ...args], { env: env() });
      expect(me.stderr).toBe('');
      expect(me.stdout).toMatch(/admin/);
    }
  });

  it('written by an earlier client (one registry, one token) is read as that registry’s only', async () => {
    const dir = join(home, '.config', 'unjucks');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ registry: server.url, token: server.adminToken }));
    seen.length = 0;
    const r = await unjucks(['search', 'anything', '--registry', otherUrl], { env: env() });
    expect(r.code).toBe(0);
    for (const h of seen) expect(h.authorization).toBeUndefined();
    const me = await unjucks(['whoami'], { env: env() });
    expect(me.stdout).toMatch(/admin/);

    // A login to the other registry keeps both, each under its own URL, and each goes only to its own.
    const otherLogin = await unjucks(['login', '--registry', otherUrl, '--token', 'the-other-token'], { env: env() });
    expect(otherLogin.stderr).toBe('');
    const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(saved).toEqual({ registry: otherUrl, tokens: { [server.url]: server.adminToken, [otherUrl]: 'the-other-token' } });
    seen.length = 0;
    expect((await unjucks(['search', 'anything'], { env: env() })).code).toBe(0);
    expect(seen.map((h) => h.authorization)).toEqual(['Bearer the-other-token']);
    const ours = await unjucks(['whoami', '--registry', server.url], { env: env() });
    expect(ours.stdout).toMatch(/admin/);
    expect(seen).toHaveLength(1);
  });

  it('in a config file of the wrong shape is refused with the file named, and nothing is sent', async () => {
    const dir = join(home, '.config', 'unjucks');
    await mkdir(dir, { recursive: true });
    for (const [body, why] of [
      [{ registry: otherUrl, tokens: 'Bearer-x' }, /"tokens" is not an object/],
      [{ registry: otherUrl, tokens: { [otherUrl]: 42 } }, /"tokens" is not an object/],
      [{ registry: otherUrl, token: ['x'] }, /"token" is not a string/],
      [['x'], /not a JSON object/],
    ] as const) {
      await writeFile(join(dir, 'config.json'), JSON.stringify(body));
      seen.length = 0;
      const r = await unjucks(['search', 'anything', '--registry', otherUrl], { env: env() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot read .*config\.json: /);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/fix or delete it/);
      expect(seen).toHaveLength(0);
    }
    await rm(join(dir, 'config.json'));
  });

  it('in the environment (UNJUCKS_TOKEN) is the caller’s choice for the run, and goes where it is told', async () => {
    seen.length = 0;
    const r = await unjucks(['search', 'anything', '--registry', otherUrl], { env: { ...env(), UNJUCKS_TOKEN: 'explicit' } });
    expect(r.code).toBe(0);
    expect(seen.map((h) => h.authorization)).toContain('Bearer explicit');
  });
});
