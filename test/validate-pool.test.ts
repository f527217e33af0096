import { afterAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { findReadme, readArchive, readArchiveBytes, type PackageLimits } from '@unjucks/core';
import { validateFiles } from '@unjucks/validate';
import { closeValidatePools, collectUpload, readUpload } from '../packages/server/src/validate-pool/index.js';
import { CLEAN, HOSTILE } from './fixtures/corpus.js';
import { createHarness } from './helpers/harness.js';
import { gzipTar, manifestFor, type RawEntry } from './helpers/packages.js';

afterAll(() => closeValidatePools());

const read = (entries: RawEntry[]) => readArchiveBytes(gzipTar(entries), {}, 'collect');

/** A package whose validation takes a while: 250 templates with loops, filters and frontmatter. */
function slowPackage(name: string, version: string): RawEntry[] {
  const templates = Object.fromEntries(
    Array.from({ length: 25 }, (_, i) => [`t${i}`, { description: `t${i}`, variables: { properties: { name: { type: 'string', description: 'n' } } } }]),
  );
  const body = (i: number) =>
    `---\nto: "src/{{ name | kebabCase }}/part${i}/{{ name | pascalCase }}.tsx"\n---\n` +
    `{% for prop in props %}import { {{ prop.type | pascalCase }} } from './{{ prop.type }}';\n{% endfor %}\n` +
    `export function {{ name | pascalCase }}() { {% if withState %}return {{ initial | dump }};{% endif %} }\n` +
    '// padding line to make the file a realistic size\n'.repeat(60);
  return [
    {
      path: 'package/package.json',
      content: JSON.stringify(manifestFor(name, version, { unjucks: { generators: { component: { description: 'c', templates } } } })),
    },
    { path: 'package/README.md', content: '# slow\n' },
    ...Array.from({ length: 250 }, (_, i) => ({ path: `package/_templates/component/t${i % 25}/file${i}.njk`, content: body(i) })),
  ];
}

/** Bytes as an upload of `size`-byte chunks. */
async function* chunked(bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** readArchive and validateFiles on this thread, as a publish did before readUpload. */
async function onEventLoop(bytes: Uint8Array, size: number, limits: Partial<PackageLimits>) {
  try {
    const a = await readArchive(chunked(bytes, size), limits, 'collect');
    const manifest = a.files.find((f) => f.path === 'package.json')?.bytes.toString('utf8') ?? null;
    const facts = { integrity: a.integrity, shasum: a.shasum, sha512hex: a.sha512hex, size: a.size, fileCount: a.fileCount, unpackedSize: a.unpackedSize };
    return {
      facts: { ...facts, manifest, readme: findReadme(a.files)?.bytes.toString('utf8') ?? null },
      report: validateFiles(a.files, { rejected: a.rejected }),
    };
  } catch (e) {
    return { error: e };
  }
}

/** readUpload, in the pool or on this thread, of the same chunks. */
async function throughReadUpload(bytes: Uint8Array, size: number, limits: Partial<PackageLimits>, threads: number) {
  try {
    const upload = await collectUpload(chunked(bytes, size), limits);
    const reading = readUpload(upload, limits, {}, threads);
    const facts = await reading.archive;
    expect(upload.tarball.equals(Buffer.from(bytes.subarray(0, facts.size)))).toBe(true);
    return { facts, report: await reading.report };
  } catch (e) {
    return { error: e };
  }
}

describe('validation in worker threads', () => {
  it('reads an upload in the pool as readArchive did on the event loop: the same facts and report, the same refusal at the same chunk', async () => {
    const tgz = (i: number) => gzipTar([...HOSTILE, ...CLEAN][i]!.entries);
    const uploads: [string, Uint8Array, number, Partial<PackageLimits>][] = [
      ...[...HOSTILE, ...CLEAN].map((f, i): [string, Uint8Array, number, Partial<PackageLimits>] => [f.label, tgz(i), 16 * 1024, {}]),
      ['not gzip', Buffer.from('{"name":"x"}'), 5, {}],
      ['empty', Buffer.alloc(0), 5, {}],
      ['past the size limit', tgz(0), 100, { maxTarballBytes: 250 }],
      // Corrupt in its first chunk and past the limit later: streaming stopped at the corruption.
      [
        'corrupt, then past the size limit',
        Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(2000, 7)]),
        10,
        { maxTarballBytes: 1000 },
      ],
      ['a gzip bomb', gzipSync(Buffer.alloc(4 * 1024 * 1024)), 1024, {}],
    ];
    for (const [label, bytes, size, limits] of uploads) {
      const expected = await onEventLoop(bytes, size, limits);
      for (const threads of [1, 0]) {
        const got = await throughReadUpload(bytes, size, limits, threads);
        if ('error' in expected) {
          expect('error' in got && got.error, `${label}, ${threads} threads`).toEqual(expected.error);
          expect('error' in got && (got.error as { code?: string }).code, label).toBe((expected.error as { code: string }).code);
        } else expect(got, `${label}, ${threads} threads`).toEqual(expected);
      }
    }
  });

  it('gives the same report as validating on the event loop, for every corpus fixture, refused capabilities included', async () => {
    for (const f of [...HOSTILE, ...CLEAN.map((c) => ({ ...c, refuse: undefined }))]) {
      const bytes = gzipTar(f.entries);
      const archive = await read(f.entries);
      const options = { refuseCapabilities: f.refuse ?? [] };
      const pooled = await readUpload({ tarball: Buffer.from(bytes), chunks: [bytes.length] }, {}, options, 1).report;
      expect(pooled, f.label).toEqual(validateFiles(archive.files, { ...options, rejected: archive.rejected }));
    }
  });

  it('leaves the event loop free while a slow package is validated, and stops at the same time budget', async () => {
    const bytes = gzipTar(slowPackage('slow-pool', '1.0.0'));
    const upload = { tarball: Buffer.from(bytes), chunks: [bytes.length] };
    const archive = await readArchiveBytes(bytes, {}, 'collect');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // On the event loop no timer can fire until the validation is over.
      const onLoop = validateFiles(archive.files, { rejected: archive.rejected });
      expect(ticks).toBe(0);
      const pooled = await readUpload(upload, {}, {}, 1).report;
      expect(ticks).toBeGreaterThan(2);
      expect(pooled).toEqual(onLoop);
      expect(await readUpload(upload, {}, {}, 0).report).toEqual(onLoop);
    } finally {
      clearInterval(timer);
    }
    const overBudget = await readUpload(upload, {}, { timeBudgetMs: -1 }, 1).report;
    expect(overBudget).toEqual(validateFiles(archive.files, { timeBudgetMs: -1, rejected: archive.rejected }));
    expect(overBudget.findings.map((f) => f.rule)).toContain('report/time-budget');
  });

  it('answers GET /health while a publish is being validated', async () => {
    const h = await createHarness();
    try {
      expect(h.registry.validation.threads).toBeGreaterThan(0);
      const token = await h.token('pool-publisher', ['publish:new', 'publish:update']);
      const tgz = gzipTar(slowPackage('slow-pool-publish', '1.0.0'));
      // How long the slowest step of this publish holds the event loop when validating inline.
      const archive = await readArchiveBytes(tgz, {}, 'collect');
      const t0 = performance.now();
      validateFiles(archive.files, {});
      const inlineMs = performance.now() - t0;

      let done = false;
      const publishing = Promise.resolve(h.request('POST', '/api/v1/packages', { token, body: tgz })).finally(() => (done = true));
      const healthMs: number[] = [];
      while (!done) {
        const s = performance.now();
        expect((await h.request('GET', '/health')).status).toBe(200);
        healthMs.push(performance.now() - s);
        await new Promise((r) => setTimeout(r, 1));
      }
      const res = await publishing;
      expect(res.status).toBe(201);
      expect(res.headers.get('server-timing')).toMatch(/validate;dur=[\d.]+.*total;dur=/);
      // Inline, one /health would wait out the whole validation; from the pool none waits for it.
      expect(healthMs.length).toBeGreaterThan(1);
      expect(Math.max(...healthMs)).toBeLessThan(inlineMs / 2);
    } finally {
      await h.close();
    }
  });
});
