import { createHash } from 'node:crypto';
import { resolveSpec, sortVersions, tarballFileName } from '@unjucks/core';
import { rendered, type PackageSnapshot, type VersionRow } from '../registry/snapshot.js';

/** npm's tarball URL form: `/name/-/name-1.0.0.tgz`, `/@scope/name/-/name-1.0.0.tgz`. */
export const npmTarballUrl = (publicUrl: string, name: string, version: string) => `${publicUrl}/${name}/-/${tarballFileName(name, version)}`;

/**
 * CouchDB-style revision, opaque to clients: it changes with every change a reader can see, and
 * with nothing else (not the internal revision, which also counts staged releases and review
 * rules: registry/lookup.ts touchPackage).
 */
export const revOf = (s: PackageSnapshot) => {
  const at = s.pkg.modifiedAt.getTime();
  return `${Math.floor(at / 1000)}-${createHash('sha1').update(`${s.pkg.name}:${at}`).digest('hex').slice(0, 32)}`;
};

const dist = (publicUrl: string, name: string, v: VersionRow) => ({
  tarball: npmTarballUrl(publicUrl, name, v.version),
  shasum: v.shasum,
  integrity: v.integrity,
  fileCount: v.fileCount,
  unpackedSize: v.unpackedSize,
});

function versionObject(publicUrl: string, name: string, v: VersionRow) {
  return {
    ...v.manifest,
    name,
    version: v.version,
    _id: `${name}@${v.version}`,
    ...(v.publisherName ? { _npmUser: { name: v.publisherName, email: '' } } : {}),
    dist: dist(publicUrl, name, v),
    ...(v.deprecated ? { deprecated: v.deprecated } : {}),
  };
}

// Built from the snapshot's live versions only: staged and rejected ones never reach an installer,
// and any cache of these documents inherits that.
const ordered = (s: PackageSnapshot) => sortVersions([...s.versions.keys()]);

/** The version a bare name installs: the `latest` tag, else the highest stable, else the highest. */
const latestVersion = (s: PackageSnapshot) => resolveSpec('', [...s.versions.keys()], s.tags);

const latestOf = (s: PackageSnapshot) => s.versions.get(latestVersion(s) ?? '');

/**
 * The registry keeps no `latest` tag while a package has only prereleases or was first published
 * with --tag, but npm's registry always has one and Yarn cannot install a bare name without it
 * ("Registry failed to return tag latest"). So the npm documents name the version a bare
 * `unjucks install` takes; the stored tags (and the dist-tags routes) stay as they are.
 */
function distTagsOf(s: PackageSnapshot) {
  const latest = latestVersion(s);
  return latest === null || s.tags.latest === latest ? s.tags : { ...s.tags, latest };
}

function times(s: PackageSnapshot) {
  return {
    created: s.pkg.createdAt.toISOString(),
    modified: s.pkg.modifiedAt.toISOString(),
    ...Object.fromEntries(ordered(s).map((v) => [v, s.versions.get(v)!.publishedAt.toISOString()])),
  };
}

/** The full document (`npm view`, writes with ?write=true), rendered once per revision. */
export function fullPackument(publicUrl: string, s: PackageSnapshot) {
  return rendered(s, 'npm:full', () => {
    const latest = latestOf(s);
    const m = latest?.manifest;
    return {
      _id: s.pkg.name,
      _rev: revOf(s),
      name: s.pkg.name,
      description: m?.description ?? '',
      'dist-tags': distTagsOf(s),
      versions: Object.fromEntries(ordered(s).map((v) => [v, versionObject(publicUrl, s.pkg.name, s.versions.get(v)!)])),
      time: times(s),
      maintainers: s.maintainers.map((name) => ({ name, email: '' })),
      keywords: m?.keywords ?? [],
      ...(m?.license ? { license: m.license } : {}),
      readme: latest?.readme ?? '',
      readmeFilename: latest?.readme ? 'README.md' : '',
      _attachments: {},
    };
  });
}

/** The abbreviated ("corgi") document installers ask for. */
export function abbreviatedPackument(publicUrl: string, s: PackageSnapshot) {
  return rendered(s, 'npm:corgi', () => ({
    name: s.pkg.name,
    modified: s.pkg.modifiedAt.toISOString(),
    'dist-tags': distTagsOf(s),
    versions: Object.fromEntries(
      ordered(s).map((version) => {
        const v = s.versions.get(version)!;
        const m = v.manifest as Record<string, unknown>;
        return [
          version,
          {
            name: s.pkg.name,
            version,
            dist: dist(publicUrl, s.pkg.name, v),
            ...(v.deprecated ? { deprecated: v.deprecated } : {}),
            ...(m.engines ? { engines: m.engines } : {}),
            ...(m.dependencies ? { dependencies: m.dependencies } : {}),
            ...(m.peerDependencies ? { peerDependencies: m.peerDependencies } : {}),
          },
        ];
      }),
    ),
    time: times(s),
  }));
}

/** One version, as `GET /:name/:version` answers it. */
export const versionPackument = (publicUrl: string, s: PackageSnapshot, version: string) =>
  rendered(s, `npm:version:${version}`, () => versionObject(publicUrl, s.pkg.name, s.versions.get(version)!));
