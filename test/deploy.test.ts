import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/paths.js';

// Docker is not available where the tests run, so the compose file is checked by reading it:
// it must parse, and the registry replicas must be wired only by variables the server reads.
describe('docker-compose.yml', () => {
  it('runs two registry replicas behind a load balancer, with health checks on every service', async () => {
    const compose = parse(await readFile(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true });
    const services = compose.services as Record<string, { healthcheck?: unknown; environment?: Record<string, string>; depends_on?: unknown; command?: unknown; entrypoint?: unknown }>;
    expect(Object.keys(services).sort()).toEqual(['lb', 'minio', 'minio-init', 'postgres', 'registry-1', 'registry-2']);
    for (const [name, svc] of Object.entries(services)) if (name !== 'minio-init') expect(svc.healthcheck, name).toBeDefined();
    const config = await readFile(`${ROOT}packages/server/src/config.ts`, 'utf8');
    const nginx = await readFile(`${ROOT}deploy/nginx.conf`, 'utf8');
    for (const name of ['registry-1', 'registry-2']) {
      const env = services[name]!.environment!;
      for (const key of Object.keys(env).filter((k) => !k.startsWith('AWS_'))) expect(config, `${name} sets ${key}`).toMatch(new RegExp(`['.]${key}\\b`));
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(env.S3_ENDPOINT).toBe('http://minio:9000');
      expect(services['minio-init']!.entrypoint).toContain(`local/${env.S3_BUCKET}`);
      expect(nginx).toContain(`server ${name}:${env.PORT}`);
    }
  });
});
