import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { unjucks } from '../helpers/cli.js';
import { gzipTar, manifestFor, publishRaw, type RawEntry } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BYPASSES } from '../fixtures/bypasses.js';

/**
 * The issue #11 bypasses through the real path: published to a started server (refused with 422
 * and the rule, or stored with the capability), and `unjucks install` (the real CLI binary)
 * refusing the new code-running capabilities without --allow-scripts.
 */
const rename = (entries: RawEntry[], name: string) =>
  entries.map((e) =>
    e.path === 'package/package.json' && typeof e.content === 'string' ? { ...e, content: JSON.stringify({ ...JSON.parse(e.content), name }) } : e,
  );

const pick = (...labels: string[]) => labels.map((l) => BYPASSES.find((b) => b.label === l)!);

describe('validator bypasses end to end', () => {
  const backend = BACKENDS[0]!;
  let server: TestServer;
  let home: string;
  let env: Record<string, string>;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer(backend);
    home = await mkdtemp(join(tmpdir(), 'unjucks-home-'));
    env = { HOME: home, UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: server.adminToken };
  });
  afterAll(async () => {
    await server?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it.each(
    pick(
      'an EJS process escape in a .ejs.t body',
      'a scriptlet in a notes.txt Hygen renders',
      'EJS in skip_if',
      'a sandbox escape in a .tsx.ejs Unjucks renders with Nunjucks',
      "to: {{ '..' ~ '/..' }}/etc/x",
      "to: <%= h.path.resolve('/etc') %>",
      'a manifest variable default dir: ../../.ssh',
      '.GIT/hooks',
      'a Stripe live key',
      'a NUL byte and a sandbox escape',
    ),
  )('refuses $label with 422, storing nothing', async ({ entries, file, expect: want }) => {
    const name = `bypass-${++n}`;
    const blobs = await server.blobKeys();
    const res = await publishRaw(server.api, server.adminToken, gzipTar(rename(entries, name)));
    expect(res.status).toBe(422);
    expect((res.body.report as { findings: { rule: string; file?: string }[] }).findings).toContainEqual(
      expect.objectContaining({ rule: (want as { rule: string }).rule, file }),
    );
    expect(await server.blobKeys()).toEqual(blobs);
  });

  it.each(pick('EJS the analysis cannot prove harmless', '.husky/pre-commit', 'a whole package.json with postinstall'))(
    'publishes $label with its capability, and install refuses it without --allow-scripts',
    async ({ entries, file, expect: want }) => {
      const capability = (want as { capability: string }).capability;
      const name = `capable-${++n}`;
      const res = await publishRaw(server.api, server.adminToken, gzipTar(rename(entries, name)));
      expect(res.status).toBe(201);
      expect(res.body.capabilities).toContain(capability);

      const dest = await mkdtemp(join(tmpdir(), 'unjucks-dest-'));
      try {
        const refused = await unjucks(['install', name, '--dir', dest], { env });
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(
          new RegExp(`refusing to install ${name}@1\\.0\\.0: it can run code on this machine \\(${capability}: .* in ${file.replace(/[.]/g, '\\.')}`),
        );
        expect(await readdir(dest)).toEqual([]);
        const allowed = await unjucks(['install', name, '--dir', dest, '--allow-scripts'], { env });
        expect(allowed.code).toBe(0);
        expect(allowed.stdout).toMatch(new RegExp(`capabilities: .*${capability}`));
      } finally {
        await rm(dest, { recursive: true, force: true });
      }
    },
  );

  it('refuses a template over 1 MiB with 422 and template/too-large (a 12 MB one once took the server to 4.8 GB and a 500)', async () => {
    const body = Array.from({ length: 60_000 }, (_, i) => `{{ a${i} | nope${i % 997} }}`).join('\n');
    const res = await publishRaw(
      server.api,
      server.adminToken,
      gzipTar([
        { path: 'package/package.json', content: JSON.stringify(manifestFor('huge-template', '1.0.0', { unjucks: { generators: {} } })) },
        { path: 'package/_templates/component/c.njk', content: `---\nto: a.txt\n---\n${body}` },
      ]),
    );
    expect(res.status).toBe(422);
    expect((res.body.report as { findings: { rule: string }[] }).findings.map((f) => f.rule)).toContain('template/too-large');
  });

  it('stores a small report for a 1 MB template of unknown filters (it once stored 29 MB)', async () => {
    const body = '{{ a | nope }}\n'.repeat(Math.floor(1_000_000 / 15));
    const res = await publishRaw(
      server.api,
      server.adminToken,
      gzipTar([
        { path: 'package/package.json', content: JSON.stringify(manifestFor('noisy-template', '1.0.0', { unjucks: { generators: {} } })) },
        { path: 'package/README.md', content: '# noisy\n' },
        { path: 'package/_templates/component/c.njk', content: `---\nto: a.txt\n---\n${body}` },
      ]),
    );
    expect(res.status).toBe(201);
    const report = await (await fetch(`${server.api}/packages/noisy-template/1.0.0/report`)).text();
    expect(report.length).toBeLessThan(100_000);
    expect(JSON.parse(report).findings).toContainEqual(expect.objectContaining({ rule: 'report/truncated' }));
  });

  it('answers a package past the entry limit with 413, not 500', async () => {
    const entries: RawEntry[] = [{ path: 'package/package.json', content: JSON.stringify(manifestFor('many-dirs', '1.0.0')) }];
    for (let i = 0; i < 6000; i++) entries.push({ path: `package/d${i}/`, type: '5' });
    const res = await publishRaw(server.api, server.adminToken, gzipTar(entries));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/more than 5000 files and directories/);
  });
});
