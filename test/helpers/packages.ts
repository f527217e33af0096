import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';

export interface RawEntry {
  path: string;
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory, '6' FIFO */
  type?: '0' | '1' | '2' | '3' | '5' | '6';
  content?: string | Buffer;
  mode?: number;
  linkname?: string;
}

function octal(buf: Buffer, value: number, offset: number, length: number) {
  buf.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

/**
 * Writes a ustar archive byte by byte, so tests can build archives no well-behaved packer would:
 * links, devices, `..` paths, entries outside package/.
 */
export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.content ?? '');
    const h = Buffer.alloc(512);
    let name = e.path;
    let prefix = '';
    if (Buffer.byteLength(name) > 100) {
      const cut = name.lastIndexOf('/', 155);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    h.write(name, 0, 100, 'utf8');
    octal(h, e.mode ?? (e.type === '5' ? 0o755 : 0o644), 100, 8);
    octal(h, 0, 108, 8);
    octal(h, 0, 116, 8);
    octal(h, e.type && e.type !== '0' ? 0 : body.length, 124, 12);
    octal(h, 499162500, 136, 12);
    h.fill(' ', 148, 156);
    h.write(e.type ?? '0', 156, 1, 'ascii');
    if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
    h.write('ustar\0', 257, 6, 'ascii');
    h.write('00', 263, 2, 'ascii');
    h.write(prefix, 345, 155, 'utf8');
    let sum = 0;
    for (const byte of h) sum += byte;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    blocks.push(h);
    if (!e.type || e.type === '0') {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const gzipTar = (entries: RawEntry[]) => gzipSync(rawTar(entries));

export function manifestFor(name: string, version: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    version,
    description: `templates for ${name}`,
    keywords: ['test'],
    license: 'MIT',
    engines: { unjucks: '>=1.0.0' },
    unjucks: {
      generators: {
        component: {
          description: 'components',
          templates: {
            react: {
              description: 'a React component',
              variables: { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'Component name' } } },
            },
          },
        },
      },
    },
    ...extra,
  };
}

/** A valid package tarball; `salt` changes the bytes without changing name or version. */
export function packageTarball(name: string, version: string, opts: { salt?: string; extra?: RawEntry[]; manifest?: Record<string, unknown> } = {}) {
  return gzipTar([
    { path: 'package/package.json', content: JSON.stringify(opts.manifest ?? manifestFor(name, version)) },
    { path: 'package/README.md', content: `# ${name}\n${opts.salt ?? ''}\n` },
    { path: 'package/_templates/component/react/component.njk', content: '---\nto: src/{{ name }}.tsx\n---\nexport const {{ name }} = () => null;\n' },
    ...(opts.extra ?? []),
  ]);
}

/** The folders writePackageDir made: removed when the test file that made them is done. */
const packageDirs: string[] = [];
afterAll(async () => {
  await Promise.all(packageDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A package directory on disk, as an author has it before `unjucks publish`. */
export async function writePackageDir(name: string, version: string, files: Record<string, string> = {}, manifest?: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'unjucks-pkg-'));
  packageDirs.push(dir);
  const all: Record<string, string> = {
    'package.json': JSON.stringify(manifest ?? manifestFor(name, version), null, 2),
    'README.md': `# ${name}\n`,
    '_templates/component/react/component.njk': '---\nto: src/{{ name }}.tsx\n---\nexport const {{ name }} = () => null;\n',
    '_templates/component/react/.gitignore': 'node_modules\n',
    '_templates/component/react/setup.sh': '#!/bin/sh\necho ready\n',
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  await chmod(join(dir, '_templates/component/react/setup.sh'), 0o755);
  return dir;
}

export async function publishRaw(api: string, token: string | null, body: Uint8Array, query = '') {
  const res = await fetch(`${api}/packages${query}`, {
    method: 'POST',
    body: body as unknown as BodyInit,
    headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string }, headers: res.headers };
}
