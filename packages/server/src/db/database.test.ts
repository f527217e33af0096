import { randomBytes } from 'node:crypto';
import { gt, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openPostgres } from './database.js';
import { users } from './schema.js';

describe('DATABASE_PREPARE', () => {
  it('is on unless set to a false value', () => {
    expect(loadConfig({}).databasePrepare).toBe(true);
    expect(loadConfig({ DATABASE_PREPARE: 'true' }).databasePrepare).toBe(true);
    for (const off of ['false', '0', 'no', 'OFF']) expect(loadConfig({ DATABASE_PREPARE: off }).databasePrepare).toBe(false);
  });

  // A named statement stays in pg_prepared_statements of the connection that ran it; an unnamed one does not.
  it.skipIf(!process.env.TEST_DATABASE_URL).each([true, false])('with prepare %s, migrates and answers, naming statements only when on', async (prepare) => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = `unjucks_prep_${randomBytes(5).toString('hex')}`;
    const admin = postgres(base, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const database = await openPostgres(url.toString(), undefined, prepare);
    try {
      await database.migrate();
      const named = await database.db.transaction(async (tx) => {
        expect(await tx.select().from(users).where(gt(users.id, 0))).toEqual([]);
        const [row] = (await tx.execute(sql`select count(*)::int as n from pg_prepared_statements`)) as unknown as { n: number }[];
        return Number(row!.n);
      });
      if (prepare) expect(named).toBeGreaterThan(0);
      else expect(named).toBe(0);
    } finally {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
