import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucksRegistry } from './helpers/cli.js';
import { gzipTar, manifestFor, packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { CLEAN, HOSTILE } from './fixtures/corpus.js';

const REFUSED = [...new Set(HOSTILE.flatMap((f) => f.refuse ?? []))];

describe.each(BACKENDS)('publish-time validation on $label', (backend) => {
  let server: TestServer;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer(backend, { REFUSE_CAPABILITIES: REFUSED.join(',') });
  });
  afterAll(() => server?.destroy());

  /** Each fixture publishes under its own name, so fixtures never meet. */
  const rename = (entries: Parameters<typeof gzipTar>[0], name: string) =>
    entries.map((e) => {
      if (e.path !== 'package/package.json' || typeof e.content !== 'string') return e;
      try {
        const m = JSON.parse(e.content);
        return m.name === 'fixture' ? { ...e, content: JSON.stringify({ ...m, name }) } : e;
      } catch {
        return e;
      }
    });

  it.each(HOSTILE.filter((f) => f.severity === 'error'))('refuses $label with 422 and $rule, storing nothing', async ({ entries, rule }) => {
    const name = `hostile-${++n}`;
    const blobs = await server.blobKeys();
    const res = await publishRaw(server.api, server.adminToken, gzipTar(rename(entries, name)));
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/failed validation/);
    expect((res.body.report as { findings: { rule: string }[] }).findings.map((f) => f.rule)).toContain(rule);
    expect(await server.blobKeys()).toEqual(blobs);
    expect((await fetch(`${server.api}/packages/${name}`)).status).toBe(404);
  });

  it.each(HOSTILE.filter((f) => f.severity === 'warning'))('publishes $label and records $rule as a warning', async ({ entries, rule }) => {
    const name = `warned-${++n}`;
    const res = await publishRaw(server.api, server.adminToken, gzipTar(rename(entries, name)));
    expect(res.status).toBe(201);
    expect(res.body.warnings).toBeGreaterThan(0);
    const report = await (await fetch(`${server.api}/packages/${name}/1.0.0/report`)).json();
    expect(report.findings).toContainEqual(expect.objectContaining({ rule, severity: 'warning' }));
  });

  it.each(CLEAN)('publishes a clean package: $label', async ({ entries, capabilities }) => {
    const name = `clean-${++n}`;
    const res = await publishRaw(server.api, server.adminToken, gzipTar(rename(entries, name)));
    expect(res.status).toBe(201);
    expect(res.body.capabilities).toEqual(capabilities);
    const doc = await (await fetch(`${server.api}/packages/${name}`)).json();
    expect(doc.versions['1.0.0']).toMatchObject({ capabilities, quality: expect.any(Number) });
    const report = await (await fetch(`${server.api}/packages/${name}/1.0.0/report`)).json();
    expect(report).toMatchObject({ name, version: '1.0.0', ok: true, errors: 0, validator: expect.any(String) });
  });

  it('stores inferred variables, flagged, when a package declares none', async () => {
    const m = manifestFor('inferred-vars', '1.0.0', { unjucks: { generators: { component: { templates: { react: { description: 'd' } } } } } });
    const res = await publishRaw(server.api, server.adminToken, packageTarball('inferred-vars', '1.0.0', { manifest: m }));
    expect(res.status).toBe(201);
    const report = await (await fetch(`${server.api}/packages/inferred-vars/1.0.0/report`)).json();
    expect(report.templates).toEqual([expect.objectContaining({ generator: 'component', template: 'react', variables: ['name'], inferred: true })]);
  });

  it("refuses a new name too similar to another owner's package", async () => {
    const mint = async (user: string) => (await unjucksRegistry(['token', 'create', '--user', user, '--role', 'publisher'], { env: server.env })).stdout.trim();
    const alice = await mint('alice-similar');
    const bob = await mint('bob-similar');
    expect((await publishRaw(server.api, alice, packageTarball('react-forms', '1.0.0'))).status).toBe(201);
    const blobs = await server.blobKeys();
    for (const lookalike of ['react_forms', 'reactforms', 'react.forms']) {
      const res = await publishRaw(server.api, bob, packageTarball(lookalike, '1.0.0'));
      expect(res.status, lookalike).toBe(422);
      expect((res.body.report as { findings: { rule: string }[] }).findings.map((f) => f.rule)).toContain('manifest/name-too-similar');
    }
    expect(await server.blobKeys()).toEqual(blobs);
    // The owner may publish its own variants, and other names are fine.
    expect((await publishRaw(server.api, alice, packageTarball('react_forms', '1.0.0'))).status).toBe(201);
    expect((await publishRaw(server.api, bob, packageTarball('react-forms-plus', '1.0.0'))).status).toBe(201);
  });

  it('404s the report of an unknown version', async () => {
    expect((await fetch(`${server.api}/packages/inferred-vars/9.9.9/report`)).status).toBe(404);
  });
});
