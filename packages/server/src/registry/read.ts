import { generatorsOf, InputError, splitName, resolveSpec, sortVersions, tarballFileName, type PackageDoc, type VersionDoc } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import { authorizeRead } from '../access/rights.js';
import type { RegistryContext } from './context.js';
import { notFound } from './lookup.js';
import { heldVersion, mayReview } from './reviewers.js';
import { rendered, storedReport, type PackageSnapshot, type Rendered, type VersionRow } from './snapshot.js';
import type { DocumentKind, StoredDocument } from './stored-documents.js';

/** Where a version's tarball downloads from; documented in the README. */
export const tarballUrl = (publicUrl: string, name: string, version: string) => `${publicUrl}/api/v1/packages/${name}/-/${tarballFileName(name, version)}`;

function versionDoc(publicUrl: string, name: string, v: VersionRow): VersionDoc {
  return {
    name,
    version: v.version,
    manifest: v.manifest,
    dist: {
      tarball: tarballUrl(publicUrl, name, v.version),
      integrity: v.integrity,
      shasum: v.shasum,
      size: v.size,
      fileCount: v.fileCount,
      unpackedSize: v.unpackedSize,
    },
    publishedAt: v.publishedAt.toISOString(),
    publishedBy: v.publisherName,
    ...(v.deprecated ? { deprecated: v.deprecated } : {}),
    capabilities: v.report?.capabilities ?? [],
    quality: v.report?.quality ?? null,
    generators: generatorsOf(v.manifest, v.report?.templates),
  };
}

function packageDoc(publicUrl: string, s: PackageSnapshot): Omit<PackageDoc, 'versions'> & { versions: Record<string, VersionDoc | JsonText> } {
  const ordered = sortVersions([...s.versions.keys()]);
  const latest = s.versions.get(s.tags.latest ?? '') ?? s.versions.get(ordered[ordered.length - 1] ?? '');
  return {
    name: s.pkg.name,
    description: latest?.manifest.description ?? null,
    'dist-tags': s.tags,
    versions: Object.fromEntries(ordered.map((v) => [v, versionText(publicUrl, s.pkg.name, s.versions.get(v)!, ordered.length >= KEEP_VERSION_TEXTS_FROM)])),
    time: {
      created: s.pkg.createdAt.toISOString(),
      modified: s.pkg.modifiedAt.toISOString(),
      ...Object.fromEntries(ordered.map((v) => [v, s.versions.get(v)!.publishedAt.toISOString()])),
    },
    readme: latest?.readme ?? null,
  };
}

/** JSON already serialized, to be written into a document as it is. */
class JsonText {
  constructor(readonly text: string) {}
}

/**
 * Each version's part of the package document, serialized once and kept with the version's
 * published manifest (the same object from one snapshot to the next: snapshot.ts), so that after
 * a publish only the new version is serialized, not every version again. Kept with the inputs
 * that may change after publish (deprecation, the publisher's name) and checked against them.
 */
const versionTexts = new WeakMap<object, { key: string; text: JsonText }>();

/**
 * From this many live versions on, a package keeps its versions' texts (versionTexts). A kept
 * text is the version's share of the package document a second time (the document's bytes hold
 * it too), for as long as the snapshot is cached: at 100,000 packages of ten versions this was
 * about a sixth of what the metadata cache held (heap snapshots, bench/scale.mjs). Below it, serializing every version again after a
 * publish costs well under a millisecond; above it (50 versions of 30 templates, ~600 KB) it does not.
 */
const KEEP_VERSION_TEXTS_FROM = 32;

function versionText(publicUrl: string, name: string, v: VersionRow, keep: boolean): JsonText {
  const key = keep ? JSON.stringify([publicUrl, name, v.version, v.deprecated, v.publisherName, v.publishedAt.getTime(), v.integrity]) : '';
  const kept = keep ? versionTexts.get(v.manifest) : undefined;
  if (kept?.key === key) return kept.text;
  const text = new JsonText(JSON.stringify(versionDoc(publicUrl, name, v)));
  if (keep) versionTexts.set(v.manifest, { key, text });
  return text;
}

/** JSON.stringify, writing JsonText values as their text. */
export function stringifyWithText(value: unknown): string {
  if (value instanceof JsonText) return value.text;
  if (Array.isArray(value)) return `[${value.map((x) => (x === undefined ? 'null' : stringifyWithText(x))).join(',')}]`;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(value)) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      parts.push(`${JSON.stringify(k)}:${stringifyWithText(x)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The snapshot of a package the actor may read (a private one needs the read right). A public
 * package whose every version waits for review (or was rejected) is one the public may not know of
 * yet: to all but its reviewers it answers as a missing one. (A private one's readers hold a role
 * in it, so they see it, without its held versions, as before.)
 */
export async function readable(ctx: RegistryContext, actor: Actor | null, name: string) {
  const s = await ctx.cache.get(ctx.db, name);
  await authorizeRead(ctx.db, actor, name, s.pkg);
  if (!s.pkg.private && s.versions.size === 0 && s.held.size > 0 && !(await mayReview(ctx.db, actor, name, s.pkg))) throw notFound(`package ${name} was`);
  return s;
}

/**
 * What readable answers, when it can without waiting: a snapshot the cache vouches for, of a public
 * package with live versions. Undefined otherwise (a private package, a miss): then readable decides.
 */
export function readableNow(ctx: RegistryContext, name: string): PackageSnapshot | undefined {
  const s = ctx.cache.peek(name);
  return s && !s.pkg.private && s.versions.size > 0 ? s : undefined;
}

/**
 * A public package's document as stored for every replica (registry/stored-documents.ts), for a
 * read this replica's cache would answer with a load; null when the read goes through readable.
 * What it serves is what readable and the rendering would: a document stored only from a public
 * package's snapshot with live versions, and only at the package's revision as it is now.
 */
export function storedDocument(ctx: RegistryContext, name: string, kind: DocumentKind): Promise<StoredDocument | null> | null {
  return ctx.documents && !ctx.cache.holds(name) ? ctx.documents.find(name, kind) : null;
}

/** The package document of a snapshot readable returned. */
export function packageDocOf(ctx: Pick<RegistryContext, 'publicUrl' | 'documents'>, s: PackageSnapshot): Rendered {
  const r = rendered(s, 'package', () => packageDoc(ctx.publicUrl, s), stringifyWithText);
  ctx.documents?.offer(s, 'package', r);
  return r;
}

export async function getPackageDoc(ctx: RegistryContext, actor: Actor | null, name: string): Promise<Rendered> {
  return packageDocOf(ctx, await readable(ctx, actor, name));
}

/** Resolves an exact version, a range or a dist-tag to one version, serialized with its ETag. */
export async function resolveVersion(ctx: RegistryContext, actor: Actor | null, name: string, spec: string) {
  const s = await readable(ctx, actor, name);
  const known = [...s.versions.keys()];
  const chosen = resolveSpec(spec, known, s.tags);
  if (!chosen)
    throw notFound(
      `no version of ${name} matching "${spec}" was found (versions: ${sortVersions(known).join(', ') || 'none'}; tags: ${Object.keys(s.tags).join(', ') || 'none'}); it was`,
    );
  return rendered(s, `version:${chosen}`, () => versionDoc(ctx.publicUrl, name, s.versions.get(chosen)!));
}

/** The version a tarball file name `<basename>-<version>.tgz` of `name` stands for; 404 for another shape. */
export function versionOfTarball(name: string, file: string): string {
  const base = splitName(name).basename;
  if (!file.startsWith(`${base}-`) || !file.endsWith('.tgz'))
    throw new InputError(`tarball file names look like ${base}-<version>.tgz, got ${file}`, 'not_found');
  return file.slice(base.length + 1, -'.tgz'.length);
}

/** The stored tarball of `name` for a file name `<basename>-<version>.tgz`. */
export async function getTarball(ctx: RegistryContext, actor: Actor | null, name: string, file: string) {
  const s = await readable(ctx, actor, name);
  const version = versionOfTarball(name, file);
  // A staged or rejected version downloads for its reviewers only; to everyone else it does not exist.
  const row = s.versions.get(version) ?? (await heldVersion(ctx, actor, s, version));
  if (!row) throw notFound(`version ${version} of ${name} was`);
  const blob = await ctx.store.get(row.blobKey);
  if (!blob) throw new Error(`blob ${row.blobKey} of ${name}@${version} is missing from storage`);
  // A held version's bytes are for its reviewers: never let a shared cache keep them.
  return {
    blob,
    row,
    shasum: row.shasum,
    integrity: row.integrity,
    size: row.size,
    packageId: s.pkg.id,
    private: s.pkg.private || !s.versions.has(version),
    held: !s.versions.has(version),
  };
}

/**
 * What getTarball finds, when it is all in memory (readableNow's snapshot, a live version, its
 * bytes in the blob cache); undefined when getTarball must be asked. Throws as it does for a file
 * name of another shape.
 */
export function tarballInMemory(ctx: RegistryContext, name: string, file: string) {
  const s = readableNow(ctx, name);
  if (!s) return undefined;
  const row = s.versions.get(versionOfTarball(name, file));
  const bytes = row && ctx.store.peek?.(row.blobKey);
  if (!row || !bytes) return undefined;
  return { row, bytes, packageId: s.pkg.id, private: s.pkg.private };
}

/** The validation report stored with a version at publish time. */
export async function getReport(ctx: RegistryContext, actor: Actor | null, name: string, version: string) {
  const s = await readable(ctx, actor, name);
  const held = s.versions.has(version) ? null : await heldVersion(ctx, actor, s, version);
  const row = s.versions.get(version) ?? held;
  if (!row) throw notFound(`version ${version} of ${name} was`);
  if (!row.report) throw notFound(`a validation report for ${name}@${version} (published before validation existed) was`);
  const key = `report:${version}`;
  const kept = held ? undefined : s.rendered.get(key);
  if (kept) return kept;
  // The snapshot's row has the report without its findings (ReportSummary): the whole one is stored.
  const stored = await storedReport(ctx.db, row.id);
  // Gone since the snapshot was taken (unpublished meanwhile): as the next snapshot will say.
  if (!stored) throw notFound(`version ${version} of ${name} was`);
  const report = { name, version, ...(held ? { status: held.status } : {}), ...stored };
  // Rendered documents are shared by every reader of the snapshot: a held version's never goes in.
  if (held) return rendered({ ...s, rendered: new Map() }, 'report', () => report);
  return rendered(s, key, () => report);
}
