import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { migratedMemoryDatabase } from '../packages/server/src/memory-registry.js';
import { unjucksRegistry } from './helpers/cli.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    /** An embedded database folder (DATA_DIR/pg) the server binary migrated; see helpers/server.ts. */
    pgliteTemplate: string;
    /** A dump of a migrated in-memory PGlite (helpers/harness.ts). */
    memoryTemplate: string;
    /** A Postgres database the server binary migrated, on TEST_DATABASE_URL's server; '' without one. */
    pgTemplate: string;
  }
}

/** Runs `unjucks-registry migrate` (the real binary) on the given engine, failing the run if it fails. */
async function migrate(env: Record<string, string>) {
  const r = await unjucksRegistry(['migrate'], { env });
  if (r.code !== 0) throw new Error(`unjucks-registry migrate failed (${r.code}) for the test templates; run \`pnpm -s build\` first:\n${r.stdout}${r.stderr}`);
}

/**
 * One s3rver for the whole run, on a free loopback port; each test server gets its own bucket.
 * And the database templates: migrating a fresh PGlite folder takes seconds on a loaded 2-core
 * machine and the suite starts ~100 servers, so the server binary migrates one embedded folder and
 * one Postgres database here, and each test server starts on a copy of them (its own start still
 * runs the migrator, which finds nothing to apply); the in-process registries of helpers/harness.ts
 * load a dump of a migrated in-memory one. The tests that start on a fresh database
 * (startTestServer's `fresh`, createTestDatabase, deploy.test.ts, db/database.test.ts) keep
 * exercising migrations from nothing.
 */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The HOME the real CLIs run with (helpers/cli.ts), empty and this run's own: the machine's saved
  // login and cache are not the tests' to read or write. Made here, not in the workers, because
  // vitest ends its workers without running their exit handlers, so only this teardown can remove it;
  // the workers inherit the variable.
  const cliHome = await mkdtemp(join(tmpdir(), 'unjucks-test-home-'));
  process.env.UNJUCKS_TEST_HOME = cliHome;
  const directory = await mkdtemp(join(tmpdir(), 'unjucks-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = (await server.run()) as { port: number };
  project.provide('s3Endpoint', `http://127.0.0.1:${port}`);

  const templateDir = await mkdtemp(join(tmpdir(), 'unjucks-pglite-template-'));
  const base = process.env.TEST_DATABASE_URL;
  const pgTemplate = base ? `unjucks_template_${randomBytes(6).toString('hex')}` : '';
  const admin = base ? postgres(base, { max: 1, onnotice: () => undefined }) : null;
  const memoryTemplate = join(templateDir, 'memory.tar');
  const migrations: Promise<void>[] = [
    migrate({ DATA_DIR: templateDir }),
    migratedMemoryDatabase().then(async (dump) => writeFile(memoryTemplate, Buffer.from(await dump.arrayBuffer()))),
  ];
  if (admin) {
    await admin.unsafe(`create database ${pgTemplate}`);
    const url = new URL(base!);
    url.pathname = `/${pgTemplate}`;
    migrations.push(migrate({ DATA_DIR: templateDir, DATABASE_URL: url.toString() }));
  }
  // All at once: only the embedded one takes DATA_DIR's lock; the in-memory one is in this process.
  await Promise.all(migrations);
  project.provide('pgliteTemplate', join(templateDir, 'pg'));
  project.provide('pgTemplate', pgTemplate);
  project.provide('memoryTemplate', memoryTemplate);

  return async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
    await rm(templateDir, { recursive: true, force: true });
    await rm(cliHome, { recursive: true, force: true });
    if (admin) {
      await admin.unsafe(`drop database if exists ${pgTemplate} with (force)`);
      await admin.end();
    }
  };
}
