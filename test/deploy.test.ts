import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cp, mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/paths.js';

// Docker is not available where the tests run, so the compose file is checked by reading it:
// it must parse, and the registry replicas must be wired only by variables the server reads.
describe('docker-compose.yml', () => {
  it('runs two registry replicas behind a load balancer, with health checks on every service', async () => {
    const compose = parse(await readFile(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true });
    const services = compose.services as Record<
      string,
      { healthcheck?: unknown; environment?: Record<string, string>; depends_on?: unknown; command?: unknown; entrypoint?: unknown }
    >;
    expect(Object.keys(services).sort()).toEqual(['lb', 'minio', 'minio-init', 'postgres', 'registry-1', 'registry-2']);
    for (const [name, svc] of Object.entries(services)) if (name !== 'minio-init') expect(svc.healthcheck, name).toBeDefined();
    const { loadConfig } = (await import(`${ROOT}packages/server/dist/config.js`)) as { loadConfig: (env: Record<string, string | undefined>) => unknown };
    const outcome = (env: Record<string, string | undefined>) => {
      try {
        return JSON.stringify(loadConfig(env));
      } catch (e) {
        return `refused: ${(e as Error).message}`;
      }
    };
    /** Whether leaving the variable out, or giving it another value, changes the configuration. */
    const readsVariable = (env: Record<string, string>, key: string) => {
      const other = /^\d+$/.test(env[key]!) ? String(Number(env[key]) + 1) : env[key] === 'true' ? 'false' : env[key] === 'info' ? 'debug' : `${env[key]}x`;
      const base = outcome(env);
      return outcome({ ...env, [key]: undefined }) !== base || outcome({ ...env, [key]: other }) !== base;
    };
    const nginx = await readFile(`${ROOT}deploy/nginx.conf`, 'utf8');
    for (const name of ['registry-1', 'registry-2']) {
      const env = services[name]!.environment!;
      // Every variable the compose file sets changes what the server's own loadConfig returns
      // (the AWS_ ones are read by the S3 SDK, not by the registry).
      for (const key of Object.keys(env).filter((k) => !k.startsWith('AWS_')))
        expect(readsVariable(env, key), `${name} sets ${key}, which the server does not read`).toBe(true);
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(env.S3_ENDPOINT).toBe('http://minio:9000');
      expect(services['minio-init']!.entrypoint).toContain(`local/${env.S3_BUCKET}`);
      expect(nginx).toContain(`server ${name}:${env.PORT}`);
    }
  });

  it('runs from the server-only tree the Dockerfile builds (pnpm deploy + migrations), without the rest of the repository', async () => {
    const dockerfile = await readFile(`${ROOT}Dockerfile`, 'utf8');
    expect(dockerfile).toContain('pnpm --filter @unjucks/server deploy --prod --legacy /app/packages/server');
    expect(dockerfile).toContain('cp -r migrations /app/migrations');
    expect(dockerfile).toMatch(/^USER node$/m);
    const app = await mkdtemp(join(tmpdir(), 'unjucks-image-'));
    try {
      // The pnpm that runs the tests (npx pnpm@10 may not leave one on PATH).
      const pnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
      const deploy = ['--filter', '@unjucks/server', 'deploy', '--prod', '--legacy', join(app, 'packages/server')];
      execFileSync(pnpm[0]!, [...pnpm.slice(1), ...deploy], { cwd: ROOT, stdio: 'ignore' });
      await cp(`${ROOT}migrations`, join(app, 'migrations'), { recursive: true });
      expect(existsSync(join(app, 'packages/server/node_modules/vitest'))).toBe(false);
      const child = spawn(process.execPath, ['packages/server/dist/cli.js', 'start'], {
        cwd: app,
        env: { PATH: process.env.PATH!, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(app, 'data'), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          const onData = (d: Buffer) => {
            out += d.toString();
            const m = /listening on (\S+)/.exec(out);
            if (m) resolve(m[1]!);
          };
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
          child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
        });
        expect(await (await fetch(`${url}/ready`)).json()).toMatchObject({ status: 'ready' });
        // The image serves the client it was built with.
        expect((await (await fetch(`${url}/@unjucks%2fclient`)).json())['dist-tags']).toEqual({ latest: expect.any(String) });
        // The web pages' own files and the engines' browser builds ship with the server.
        expect((await fetch(`${url}/-/web/`)).status).toBe(200);
        for (const file of ['web.css', 'search.js', 'preview-frame.js', 'nunjucks.min.js', 'ejs.min.js'])
          expect((await fetch(`${url}/-/web/static/${file}`)).status, file).toBe(200);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    } finally {
      await rm(app, { recursive: true, force: true });
      // pnpm deploy also leaves an empty node_modules under <workspace>/<target path>: tidy it.
      await rm(join(ROOT, app), { recursive: true, force: true });
      await rmdir(join(ROOT, app.split(/[\\/]/)[1]!)).catch(() => undefined);
    }
  });
});
