import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageTarball, publishRaw } from '../helpers/packages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

/**
 * Tag and deprecation writes racing the writes that take the package's row lock first (unpublish,
 * publish). They checked the version outside their transaction and took the package's lock last:
 * a tag could commit pointing at a version an unpublish had just removed (`latest` naming a version
 * no document lists, so a bare install of the package fails for everyone), and a publish moving the
 * same tag, or an unpublish of the version being deprecated, deadlocked with them (a 500 for one).
 * Needs Postgres: PGlite runs one statement at a time, so nothing races there.
 */
describe.runIf(!!process.env.TEST_DATABASE_URL)('tag and deprecation writes racing unpublish and publish', () => {
  let server: TestServer;
  const api = (method: string, path: string, body?: unknown) => call(server, server.adminToken, method, path, body);
  const tagBody = (version: string) => JSON.stringify(version);

  beforeAll(async () => {
    server = await startTestServer({ label: 'postgres', db: 'postgres', store: 'fs' }, { RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('never leaves a tag on a version that an unpublish racing it removed', async () => {
    const name = 'tag-vs-unpublish';
    const rounds = 12;
    for (let i = 0; i <= rounds; i++) expect((await publishRaw(server.api, server.adminToken, packageTarball(name, `1.0.${i}`))).status).toBe(201);
    const problems: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const [tagged, removed] = await Promise.all([
        api('PUT', `/packages/${name}/dist-tags/latest`, tagBody(`1.0.${i}`)),
        api('DELETE', `/packages/${name}/1.0.${i}`),
      ]);
      // Either order is fine (tag then removal: the removal moves latest; removal then tag: a 404).
      if (removed.status !== 200) problems.push(`unpublish of 1.0.${i}: ${removed.status}`);
      if (tagged.status !== 200 && tagged.status !== 404) problems.push(`tag onto 1.0.${i}: ${tagged.status}`);
      const doc = await api('GET', `/packages/${name}`);
      for (const [tag, v] of Object.entries(doc.body['dist-tags'] as Record<string, string>))
        if (!(v in doc.body.versions)) problems.push(`${tag} → ${v}, a version the document does not list`);
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('a publish and a tag write moving the same tag both go through', async () => {
    const name = 'tag-vs-publish';
    expect((await publishRaw(server.api, server.adminToken, packageTarball(name, '1.0.0'))).status).toBe(201);
    const failed: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const [published, tagged] = await Promise.all([
        publishRaw(server.api, server.adminToken, packageTarball(name, `1.0.${i}`)),
        api('PUT', `/packages/${name}/dist-tags/latest`, tagBody(`1.0.${i - 1}`)),
      ]);
      if (published.status !== 201) failed.push(`publish 1.0.${i}: ${published.status}`);
      if (tagged.status !== 200) failed.push(`latest → 1.0.${i - 1}: ${tagged.status}`);
    }
    expect(failed).toEqual([]);
  }, 120_000);

  it('a deprecation and an unpublish of the same version both go through', async () => {
    const name = 'deprecate-vs-unpublish';
    const rounds = 12;
    for (let i = 0; i <= rounds; i++) expect((await publishRaw(server.api, server.adminToken, packageTarball(name, `1.0.${i}`))).status).toBe(201);
    const failed: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const [deprecated, removed] = await Promise.all([
        api('POST', `/packages/${name}/1.0.${i}/deprecate`, { message: 'use 2.x' }),
        api('DELETE', `/packages/${name}/1.0.${i}`),
      ]);
      if (removed.status !== 200) failed.push(`unpublish of 1.0.${i}: ${removed.status}`);
      if (deprecated.status !== 200 && deprecated.status !== 404) failed.push(`deprecation of 1.0.${i}: ${deprecated.status}`);
    }
    expect(failed).toEqual([]);
  }, 120_000);
});
