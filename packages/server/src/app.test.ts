import { describe, expect, it } from 'vitest';
import { canonicalPath } from './app.js';
import { loadConfig, publicUrlFor } from './config.js';

describe('canonicalPath', () => {
  it.each([
    ['/api/v1/packages/@acme/gen', '/api/v1/packages/@acme%2Fgen'],
    ['/api/v1/packages/@acme/gen/^1', '/api/v1/packages/@acme%2Fgen/^1'],
    ['/api/v1/packages/%40acme/gen/-/gen-1.0.0.tgz', '/api/v1/packages/@acme%2Fgen/-/gen-1.0.0.tgz'],
    ['/api/v1/packages/@acme%2Fgen/1.0.0', '/api/v1/packages/@acme%2Fgen/1.0.0'],
    ['/api/v1/packages/gen/1.0.0', '/api/v1/packages/gen/1.0.0'],
    ['/health', '/health'],
  ])('%s -> %s', (input, output) => {
    expect(canonicalPath(input)).toBe(output);
  });
});

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: null, databaseUrl: null, s3: null });
    expect(c.dataDir).toMatch(/\.unjucks-registry$/);
    expect(c.heapGrowingPercent).toBe(50);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: '-5' })).toThrow(/HEAP_GROWING_PERCENT must be a whole number/);
    expect(c.limits).toMatchObject({ maxTarballBytes: 10 * 1024 * 1024, maxUnpackedBytes: 50 * 1024 * 1024, maxFiles: 5000 });
    expect(publicUrlFor(c, 3000)).toBe('http://127.0.0.1:3000');
    expect(publicUrlFor(loadConfig({ HOST: '0.0.0.0' }), 8080)).toBe('http://localhost:8080');
    expect(publicUrlFor(loadConfig({ PUBLIC_URL: 'https://reg.example.com/' }), 1)).toBe('https://reg.example.com');
  });

  it('reads S3 and limits from the environment', () => {
    const c = loadConfig({ S3_BUCKET: 'b', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true', MAX_FILES: '10' });
    expect(c.s3).toEqual({ bucket: 'b', endpoint: 'http://minio:9000', region: 'us-east-1', forcePathStyle: true, prefix: '' });
    expect(c.limits.maxFiles).toBe(10);
  });

  it('explains a bad number', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT must be a whole number/);
  });
});
