import { and, eq, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { InputError, resolveSpec, sortVersions, tarballFileName, type PackageDoc, type VersionDoc } from '@unjucks/core';
import { users, versions } from '../db/schema.js';
import type { RegistryContext } from './context.js';
import { findLiveVersion, findPackage, notFound, tagsOf } from './lookup.js';

type VersionRow = typeof versions.$inferSelect & { publisherName: string | null };

/** Where a version's tarball downloads from; documented in the README. */
export const tarballUrl = (publicUrl: string, name: string, version: string) =>
  `${publicUrl}/api/v1/packages/${name}/-/${tarballFileName(name, version)}`;

function versionDoc(ctx: RegistryContext, name: string, v: VersionRow): VersionDoc {
  return {
    name,
    version: v.version,
    manifest: v.manifest,
    dist: {
      tarball: tarballUrl(ctx.publicUrl, name, v.version),
      integrity: v.integrity,
      shasum: v.shasum,
      size: v.size,
      fileCount: v.fileCount,
      unpackedSize: v.unpackedSize,
    },
    publishedAt: v.publishedAt.toISOString(),
    publishedBy: v.publisherName,
    ...(v.deprecated ? { deprecated: v.deprecated } : {}),
  };
}

const publisher = alias(users, 'publisher');

async function versionRows(ctx: RegistryContext, packageId: number): Promise<VersionRow[]> {
  const rows = await ctx.db
    .select({ v: versions, publisherName: publisher.name })
    .from(versions)
    .leftJoin(publisher, eq(publisher.id, versions.publishedBy))
    .where(and(eq(versions.packageId, packageId), isNull(versions.removedAt)));
  return rows.map((r) => ({ ...r.v, publisherName: r.publisherName }));
}

/** Every live version of a package with its dist-tags and times. */
export async function getPackageDoc(ctx: RegistryContext, name: string): Promise<PackageDoc> {
  const pkg = await findPackage(ctx.db, name);
  const rows = await versionRows(ctx, pkg.id);
  const tags = await tagsOf(ctx.db, pkg.id);
  const byVersion = new Map(rows.map((r) => [r.version, r]));
  const ordered = sortVersions([...byVersion.keys()]);
  const latest = byVersion.get(tags.latest ?? '') ?? byVersion.get(ordered[ordered.length - 1] ?? '');
  return {
    name,
    description: latest?.manifest.description ?? null,
    'dist-tags': tags,
    versions: Object.fromEntries(ordered.map((v) => [v, versionDoc(ctx, name, byVersion.get(v)!)])),
    time: {
      created: pkg.createdAt.toISOString(),
      modified: pkg.modifiedAt.toISOString(),
      ...Object.fromEntries(ordered.map((v) => [v, byVersion.get(v)!.publishedAt.toISOString()])),
    },
    readme: latest?.readme ?? null,
  };
}

/** Resolves an exact version, a range or a dist-tag to one version. */
export async function resolveVersion(ctx: RegistryContext, name: string, spec: string): Promise<VersionDoc> {
  const pkg = await findPackage(ctx.db, name);
  const rows = await versionRows(ctx, pkg.id);
  const tags = await tagsOf(ctx.db, pkg.id);
  const chosen = resolveSpec(spec, rows.map((r) => r.version), tags);
  if (!chosen) {
    const known = sortVersions(rows.map((r) => r.version));
    throw notFound(`no version of ${name} matching "${spec}" was found (versions: ${known.join(', ') || 'none'}; tags: ${Object.keys(tags).join(', ') || 'none'}); it was`);
  }
  return versionDoc(ctx, name, rows.find((r) => r.version === chosen)!);
}

/** The stored tarball of `name` for a file name `<basename>-<version>.tgz`. */
export async function getTarball(ctx: RegistryContext, name: string, file: string) {
  const pkg = await findPackage(ctx.db, name);
  const base = name.slice(name.indexOf('/') + 1);
  if (!file.startsWith(`${base}-`) || !file.endsWith('.tgz'))
    throw new InputError(`tarball file names look like ${base}-<version>.tgz, got ${file}`, 404, 'not-found');
  const version = file.slice(base.length + 1, -'.tgz'.length);
  const row = await findLiveVersion(ctx.db, pkg.id, name, version);
  const blob = await ctx.store.get(row.blobKey);
  if (!blob) throw new Error(`blob ${row.blobKey} of ${name}@${version} is missing from storage`);
  return { blob, shasum: row.shasum, integrity: row.integrity, size: row.size };
}
