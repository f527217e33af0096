import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { Backend } from './backends.js';
import { SERVER_BIN } from './paths.js';

export interface TestServer {
  url: string;
  api: string;
  dataDir: string;
  adminToken: string;
  env: Record<string, string>;
  stdout: () => string;
  /** The server process's pid (names its database connections: application_name unjucks-registry/PID/...). */
  pid: () => number | undefined;
  /** Keys of every stored blob, whichever store is in use. */
  blobKeys(): Promise<string[]>;
  stop(): Promise<void>;
  /** Sends a signal and resolves with the exit code once the process is gone. */
  signal(sig: NodeJS.Signals): Promise<number | null>;
  /** Starts the server again on the same engines and data folder (a new port). */
  restart(): Promise<void>;
  /** Stops the server and removes its database, bucket and data folder. */
  destroy(): Promise<void>;
}

const s3Client = (endpoint: string) =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

/**
 * A fresh database on the test Postgres server, dropped by the returned function: empty, or with
 * `migrated`, a copy of the database global-setup.ts had the server binary migrate (a file copy
 * on the server instead of every migration again).
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `unjucks_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => undefined });
  const template = opts.migrated ? inject('pgTemplate') : '';
  await admin.unsafe(template ? `create database ${name} template ${template}` : `create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = postgres(base, { max: 1, onnotice: () => undefined });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export async function listBlobs(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'blobs');
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => /[0-9a-f]{128}$/.test(e));
}

/**
 * Spawns the real server binary on a free port with fresh engines, and waits until it listens.
 * The database starts as a copy of one the server binary migrated in global-setup.ts (its own
 * start then finds no migration to apply); `fresh` starts on an empty one, migrating it as a first
 * start in production does.
 */
export async function startTestServer(
  backend: Backend,
  extraEnv: Record<string, string> = {},
  opts: { replicaOf?: TestServer; fresh?: boolean } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'unjucks-registry-test-'));
  const env: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...extraEnv };
  let dropDb: () => Promise<void> = async () => undefined;
  const primary = opts.replicaOf;
  if (primary) {
    // Another replica of the same registry: same database and bucket, its own data folder.
    for (const [k, v] of Object.entries(primary.env)) if (/^(DATABASE_URL|S3_|AWS_|SIGNING_KEY_SECRET)/.test(k)) env[k] = v;
  } else if (backend.db === 'postgres') {
    const db = await createTestDatabase({ migrated: !opts.fresh });
    env.DATABASE_URL = db.url;
    // Replicas share the secret that seals the signing keys, as the README tells operators to.
    env.SIGNING_KEY_SECRET ??= randomBytes(24).toString('base64url');
    dropDb = db.drop;
  }
  // The embedded database lives in DATA_DIR/pg: start it as a copy of the migrated one, unless the
  // test brought its own database or folder.
  if (!primary && !opts.fresh && !env.DATABASE_URL && !extraEnv.DATA_DIR) await cp(inject('pgliteTemplate'), join(dataDir, 'pg'), { recursive: true });
  // A shared database needs the secret that seals the signing keys (the server refuses to start without it).
  if (env.DATABASE_URL && !primary) env.SIGNING_KEY_SECRET ??= randomBytes(24).toString('base64url');
  let s3: S3Client | null = null;
  const bucket = `unjucks-test-${randomBytes(5).toString('hex')}`;
  if (backend.store === 's3' && !primary) {
    const endpoint = inject('s3Endpoint');
    s3 = s3Client(endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    Object.assign(env, {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
  }

  let child: ChildProcess | null = null;
  let out = '';
  const launch = () =>
    new Promise<string>((resolve, reject) => {
      const proc = spawn(process.execPath, [SERVER_BIN, 'start'], {
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
    });
  // What this server holds beyond its process: its bucket, its database and its data folder.
  const release = async () => {
    if (s3) {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const o of res.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      s3.destroy();
    }
    await dropDb();
    await rm(dataDir, { recursive: true, force: true });
  };
  let url: string;
  try {
    url = await launch();
  } catch (e) {
    // A server that refused to start (as some tests expect) leaves nothing behind either.
    await release();
    throw e;
  }
  const adminToken = primary ? primary.adminToken : (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();

  const stop = async () => {
    const proc = child as ChildProcess | null;
    // A process killed by a signal has a signalCode and no exitCode.
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  const server: TestServer = {
    url,
    api: `${url}/api/v1`,
    dataDir,
    adminToken,
    env,
    stdout: () => out,
    pid: () => (child as ChildProcess | null)?.pid,
    async blobKeys() {
      if (primary) return primary.blobKeys();
      if (!s3) return listBlobs(dataDir);
      const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (res.Contents ?? []).map((o) => o.Key!);
    },
    stop,
    signal(sig) {
      const proc = child as ChildProcess | null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc?.exitCode ?? null);
      return new Promise((resolve) => {
        proc.once('exit', (code) => resolve(code));
        proc.kill(sig);
      });
    },
    async restart() {
      await stop();
      out = '';
      url = await launch();
      server.url = url;
      server.api = `${url}/api/v1`;
    },
    async destroy() {
      await stop();
      await release();
    },
  };
  return server;
}
