import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BACKENDS } from '../helpers/backends.js';
import { ROOT } from '../helpers/paths.js';
import { createTestDatabase, startTestServer } from '../helpers/server.js';

/**
 * Finding 6 of the security review (secrets): the shipped compose file fell back to a published
 * SIGNING_KEY_SECRET, so anyone who read it could unseal the signing keys stored in Postgres.
 */
describe('no known secrets by default', () => {
  it('ships a compose file that refuses to run without SIGNING_KEY_SECRET, and an nginx that overwrites X-Forwarded-For', async () => {
    const compose = parse(await readFile(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true });
    for (const name of ['registry-1', 'registry-2']) {
      const env = compose.services[name].environment as Record<string, string>;
      expect(env.SIGNING_KEY_SECRET, name).toMatch(/^\$\{SIGNING_KEY_SECRET:\?[^}]+\}$/);
      expect(env.TRUST_PROXY, name).toBe('1');
    }
    const nginx = await readFile(`${ROOT}deploy/nginx.conf`, 'utf8');
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(nginx).not.toContain('$proxy_add_x_forwarded_for');
  });

  it.runIf(!!process.env.TEST_DATABASE_URL)('refuses to start on a shared database without SIGNING_KEY_SECRET, or with the published one', async () => {
    const db = await createTestDatabase();
    try {
      const start = (secret: string) => startTestServer({ label: 'shared', db: 'pglite', store: 'fs' }, { DATABASE_URL: db.url, SIGNING_KEY_SECRET: secret });
      await expect(start('')).rejects.toThrow(/SIGNING_KEY_SECRET is not set, and DATABASE_URL names a database other replicas and the CLI share/);
      await expect(start('change-me-to-a-long-random-secret')).rejects.toThrow(/example value once shipped in docker-compose\.yml/);
    } finally {
      await db.drop();
    }
  });

  it('still starts the embedded default with no configuration at all', async () => {
    // On an empty folder, as a first start is: it creates and migrates the embedded database.
    const server = await startTestServer(BACKENDS[0]!, {}, { fresh: true });
    try {
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    } finally {
      await server.destroy();
    }
  });
});
