import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { collisionKey, entryPathProblem, readArchiveBytes, readTarball, readTarballBytes } from './tarball.js';
import { gzipTar, type RawEntry } from '../../../test/helpers/packages.js';
import { DEFAULT_LIMITS } from './limits.js';
import { create } from 'tar';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function realTarball(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'core-tar-'));
  try {
    for (const [p, c] of Object.entries(files)) {
      await mkdir(join(dir, 'package', p, '..'), { recursive: true });
      await writeFile(join(dir, 'package', p), c);
    }
    const chunks: Buffer[] = [];
    for await (const c of create({ cwd: dir, gzip: true, portable: true }, ['package'])) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('entry paths', () => {
  it.each([
    ['package/a/b.njk', null],
    ['package/', null],
    ['package/_templates/x/.gitignore', null],
    ['package/../x', /\.\. segment/],
    ['/package/x', /absolute/],
    ['package\\x', /backslash/],
    ['C:/x', /drive letter/],
    ['package/a/C:x', /drive letter/],
    ['other/x', /outside package/],
    ['package/a//b', /empty/],
    ['package/a/\u0001', /control character/],
  ])('%j', (p, why) => {
    const problem = entryPathProblem(p, DEFAULT_LIMITS);
    if (why === null) expect(problem).toBeNull();
    else expect(problem?.message).toMatch(why);
  });

  it('caps path depth', () => {
    expect(entryPathProblem(`package/${'d/'.repeat(40)}f`, DEFAULT_LIMITS)).toMatchObject({ rule: 'tar/depth', message: expect.stringMatching(/deeper/) });
  });
});

describe('readTarball', () => {
  it('reads a real npm-shaped tarball made by node-tar and hashes it', async () => {
    const tgz = await realTarball({ 'package.json': '{"name":"x","version":"1.0.0"}', 'README.md': '# x', '_templates/g/t/a.njk': 'hi' });
    const r = await readTarballBytes(tgz);
    expect(r.manifest.name).toBe('x');
    expect(r.files.map((f) => f.path).sort()).toEqual(['README.md', '_templates/g/t/a.njk', 'package.json']);
    expect(r.readme).toBe('# x');
    expect(r.size).toBe(tgz.length);
    expect(r.tarball.equals(tgz)).toBe(true);
    expect(r.integrity).toMatch(/^sha512-/);
  });

  it('gives the same result when the bytes arrive in tiny chunks', async () => {
    const tgz = await realTarball({ 'package.json': '{"name":"x","version":"1.0.0"}', '_templates/g/t/a.njk': 'x'.repeat(5000) });
    const r = await readTarball(
      (async function* () {
        for (let i = 0; i < tgz.length; i += 7) yield tgz.subarray(i, i + 7);
      })(),
    );
    expect(r.integrity).toBe((await readTarballBytes(tgz)).integrity);
  });

  it('collects refused entries with rule ids instead of throwing, in collect mode', async () => {
    const tgz = await realTarball({ 'package.json': '{"name":"x","version":"1.0.0"}', '_templates/g/t/a.njk': 'hi', '_templates/g/t/A.njk': 'ho' });
    await expect(readArchiveBytes(tgz)).rejects.toMatchObject({ status: 400 });
    const r = await readArchiveBytes(tgz, {}, 'collect');
    expect(r.rejected).toEqual([
      { path: expect.stringMatching(/package\/_templates\/g\/t\/[aA]\.njk/), rule: 'tar/collision', message: expect.stringMatching(/same file/) },
    ]);
    expect(r.files.map((f) => f.path)).toContain('package.json');
  });

  it('stops a gzip bomb early with a 413', async () => {
    await expect(readTarballBytes(gzipSync(Buffer.alloc(100 * 1024 * 1024)))).rejects.toMatchObject({ status: 413 });
  });

  it('stops at the compressed limit while streaming', async () => {
    // Random bytes do not compress, so the gzip stream is as long as its input.
    const big = await realTarball({
      'package.json': '{"name":"x","version":"1.0.0"}',
      '_templates/g/t/noise': randomBytes(4 * 1024 * 1024).toString('latin1'),
    });
    let pulled = 0;
    const source = (async function* () {
      for (let i = 0; i < big.length; i += 64 * 1024) {
        pulled++;
        yield big.subarray(i, i + 64 * 1024);
      }
    })();
    await expect(readTarball(source, { maxTarballBytes: 256 * 1024 })).rejects.toMatchObject({ status: 413 });
    expect(pulled).toBeLessThan(10);
  });

  it('stops reading a corrupt archive at the first bad header', async () => {
    const junk = gzipSync(randomBytes(4 * 1024 * 1024));
    let pulled = 0;
    const source = (async function* () {
      for (let i = 0; i < junk.length; i += 64 * 1024) {
        pulled++;
        yield junk.subarray(i, i + 64 * 1024);
      }
    })();
    await expect(readTarball(source)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/corrupt/) });
    expect(pulled).toBeLessThan(10);
  });

  it.each([
    ['ſ (long s) and s', 'caſe.njk', 'case.njk'],
    ['ς (final sigma) and σ', 'λογος.njk', 'λογοσ.njk'],
    ['ﬁ (ligature) and fi', 'ﬁle.njk', 'file.njk'],
    ['ß and ss', 'straße.njk', 'STRASSE.njk'],
    ['a composed and a decomposed é', 'caf\u00e9.njk', 'cafe\u0301.njk'],
    ['a trailing dot (Windows drops it)', 'a.njk.', 'a.njk'],
    ['a zero-width joiner (HFS+ ignores it)', 'a\u200cb.njk', 'ab.njk'],
  ])('refuses names that fold to one file: %s', async (_label, a, b) => {
    expect(collisionKey(a)).toBe(collisionKey(b));
    const entries: RawEntry[] = [
      { path: 'package/package.json', content: '{"name":"x","version":"1.0.0"}' },
      { path: `package/_templates/g/t/${a}`, content: '1' },
      { path: `package/_templates/g/t/${b}`, content: '2' },
    ];
    const r = await readArchiveBytes(gzipTar(entries), {}, 'collect');
    expect(r.rejected).toEqual([expect.objectContaining({ rule: 'tar/collision' })]);
  });

  it('keeps names apart that only look alike', () => {
    expect(collisionKey('a.njk')).not.toBe(collisionKey('b.njk'));
  });

  it('counts directories toward the entry limit (100k empty folders are refused)', async () => {
    const entries: RawEntry[] = [{ path: 'package/package.json', content: '{"name":"x","version":"1.0.0"}' }];
    for (let i = 0; i < 100_000; i++) entries.push({ path: `package/d${i}/`, type: '5' });
    await expect(readArchiveBytes(gzipTar(entries), {}, 'collect')).rejects.toMatchObject({
      status: 413,
      message: expect.stringMatching(/more than 5000 files and directories/),
    });
  });
});
