import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';
import { TarballHasher } from '@unjucks/core';

/** The registry serves its own client under this name, at its own version. */
export const CLIENT_PACKAGE = '@unjucks/client';

// Written by scripts/bundle-client.mjs at build time, beside the server's own dist files.
const BUNDLE_DIR = fileURLToPath(new URL('../client/', import.meta.url));
// Fixed, so every replica packs the same bytes (and the same integrity) from the same build.
const FIXED_MTIME = new Date('1985-10-26T08:15:00Z');

export interface ClientPackage {
  version: string;
  manifest: Record<string, unknown>;
  tarball: Buffer;
  integrity: string;
  shasum: string;
  /** The file name in the tarball URL: client-<version>.tgz */
  file: string;
}

let packed: Promise<ClientPackage | null> | null = null;

/** The bundled client as an npm tarball, packed once per process; null when the build did not bundle it. */
export function clientPackage(): Promise<ClientPackage | null> {
  packed ??= (async () => {
    const files = await readdir(BUNDLE_DIR).catch(() => null);
    if (!files?.includes('package.json')) return null;
    const manifest = JSON.parse(await readFile(`${BUNDLE_DIR}package.json`, 'utf8')) as Record<string, unknown> & { version: string };
    const chunks: Buffer[] = [];
    for await (const c of create({ cwd: BUNDLE_DIR, gzip: true, portable: true, prefix: 'package', mtime: FIXED_MTIME, noDirRecurse: true }, files.sort()))
      chunks.push(c as Buffer);
    const tarball = Buffer.concat(chunks);
    const hasher = new TarballHasher();
    hasher.update(tarball);
    const { integrity, shasum } = hasher.digest();
    return { version: manifest.version, manifest, tarball, integrity, shasum, file: `client-${manifest.version}.tgz` };
  })();
  return packed;
}

/** The packument npm reads: one version, `latest`. */
export function clientPackument(publicUrl: string, p: ClientPackage) {
  const { name, version, description, bin, engines, type, license } = p.manifest;
  return {
    _id: CLIENT_PACKAGE,
    name: CLIENT_PACKAGE,
    description,
    'dist-tags': { latest: p.version },
    versions: {
      [p.version]: {
        name,
        version,
        description,
        type,
        bin,
        engines,
        license,
        _id: `${CLIENT_PACKAGE}@${p.version}`,
        dist: { tarball: `${publicUrl}/${CLIENT_PACKAGE}/-/${p.file}`, shasum: p.shasum, integrity: p.integrity },
      },
    },
  };
}
