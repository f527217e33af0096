import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unjucksRegistry } from './helpers/cli.js';
import { createTestDatabase } from './helpers/server.js';

/**
 * The server CLI's token commands, run straight on the database (no server running), announce
 * what they do to an org's hooks exactly as the API does: token.created in the transaction of the
 * token's row, token.revoked once, by the revocation that changed the row.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('server CLI token commands on the database', () => {
  let db: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let env: Record<string, string>;
  const events = async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      return await sql<{ type: string; org: string | null; actor: string | null; data: { id: string; user: string } }[]>`
        select type, org, actor, data from hook_events where type like 'token.%' order by at, id`;
    } finally {
      await sql.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'unjucks-cli-events-'));
    env = { DATABASE_URL: db.url, DATA_DIR: dataDir, SIGNING_KEY_SECRET: 'server-cli-events-secret-0123456789abcdef' };
  });
  afterAll(async () => {
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('announces a token limited to an org on create and on the first revoke only; an unscoped token announces nothing', async () => {
    const scoped = await unjucksRegistry(['token', 'create', '--user', 'ci-bot', '--role', 'publisher', '--packages', '@acme/*', '--json'], { env });
    expect(scoped.stderr).toBe('');
    expect(scoped.code).toBe(0);
    const id = JSON.parse(scoped.stdout).id as string;
    const wide = await unjucksRegistry(['token', 'create', '--user', 'ci-bot', '--role', 'reader', '--json'], { env });
    expect(wide.code).toBe(0);
    expect(await events()).toEqual([
      { type: 'token.created', org: 'acme', actor: 'unjucks-registry (cli)', data: expect.objectContaining({ id, user: 'ci-bot' }) },
    ]);

    for (let i = 0; i < 2; i++) {
      const revoke = await unjucksRegistry(['token', 'revoke', id], { env });
      expect(revoke.stderr).toBe('');
      expect(revoke.code).toBe(0);
    }
    expect((await events()).map((e) => [e.type, e.org, e.data.id])).toEqual([
      ['token.created', 'acme', id],
      ['token.revoked', 'acme', id],
    ]);
  });
});
