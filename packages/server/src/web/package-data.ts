import { and, eq, gt, sql } from 'drizzle-orm';
import { InputError, isInputError, readArchiveBytes, resolveSpec, sortVersions, type PackageFile } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import { downloads } from '../db/schema.js';
import type { RegistryContext } from '../registry/context.js';
import { readable } from '../registry/read.js';
import type { PackageSnapshot, VersionRow } from '../registry/snapshot.js';
import { renderReadme } from './markdown.js';

/**
 * A package the viewer may read, through the same `readable` the API uses. On pages a private
 * package the viewer may not read is "not found", exactly like one that does not exist.
 */
export async function viewablePackage(ctx: RegistryContext, actor: Actor | null, name: string): Promise<PackageSnapshot> {
  try {
    const s = await readable(ctx, actor, name);
    if (s.versions.size === 0) throw new InputError(`package ${name} has no live versions`, 'not_found');
    return s;
  } catch (e) {
    if (isInputError(e) && (e.status === 401 || e.status === 403)) throw new InputError(`package ${name} not found`, 'not_found');
    throw e;
  }
}

/** The version a page shows: the one asked for (version, tag or range), else latest, else the highest. */
export function chosenVersion(s: PackageSnapshot, spec: string | undefined): VersionRow {
  const known = [...s.versions.keys()];
  // Asked for a version that is not there: say so rather than show another one.
  const v = spec ? resolveSpec(spec, known, s.tags) : (resolveSpec(s.tags.latest ?? '*', known, s.tags) ?? sortVersions(known).at(-1)!);
  const row = v ? s.versions.get(v) : undefined;
  if (!row) throw new InputError(`no version of ${s.pkg.name} matches "${spec}" (versions: ${sortVersions(known).join(', ')})`, 'not_found');
  return row;
}

// Rendered READMEs hang off the snapshot, so they are built once per package revision and
// dropped with it: a package page costs no Markdown work after the first view.
const readmes = new WeakMap<PackageSnapshot, Map<string, string>>();

export function readmeHtml(s: PackageSnapshot, v: VersionRow): string {
  let m = readmes.get(s);
  if (!m) readmes.set(s, (m = new Map()));
  let html = m.get(v.version);
  if (html === undefined) {
    html = v.readme ? renderReadme(v.readme) : '';
    m.set(v.version, html);
  }
  return html;
}

// Downloads are written in batches anyway (search/downloads.ts), so a chart up to a minute old
// costs readers nothing they would notice, and spares every page view a query.
const CHART_TTL_MS = 60_000;
const charts = new Map<number, { at: number; days: Promise<{ day: string; count: number }[]> }>();

/** Downloads per day over the last 30 days, oldest first, zero-filled; cached for a minute. */
export function dailyDownloads(ctx: RegistryContext, packageId: number): Promise<{ day: string; count: number }[]> {
  const hit = charts.get(packageId);
  if (hit && Date.now() - hit.at < CHART_TTL_MS) return hit.days;
  const days = queryDailyDownloads(ctx, packageId);
  days.catch(() => charts.delete(packageId));
  charts.delete(packageId);
  charts.set(packageId, { at: Date.now(), days });
  if (charts.size > 2000) charts.delete(charts.keys().next().value!);
  return days;
}

async function queryDailyDownloads(ctx: RegistryContext, packageId: number): Promise<{ day: string; count: number }[]> {
  const rows = await ctx.db
    .select({ day: downloads.day, count: downloads.count })
    .from(downloads)
    .where(and(eq(downloads.packageId, packageId), gt(downloads.day, sql`current_date - 30`)));
  const byDay = new Map(rows.map((r) => [String(r.day).slice(0, 10), Number(r.count)]));
  const out: { day: string; count: number }[] = [];
  const today = new Date();
  for (let i = 29; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i)).toISOString().slice(0, 10);
    out.push({ day: d, count: byDay.get(d) ?? 0 });
  }
  return out;
}

/** Unpacked tarballs by integrity (immutable), so the file browser reads a tarball once. */
const unpacked = new Map<string, Promise<PackageFile[]>>();
const UNPACKED_MAX = 32;

export function versionFiles(ctx: RegistryContext, v: VersionRow): Promise<PackageFile[]> {
  let p = unpacked.get(v.integrity);
  if (!p) {
    p = (async () => {
      const blob = await ctx.store.get(v.blobKey);
      if (!blob) throw new Error(`blob ${v.blobKey} is missing from storage`);
      const bytes = Buffer.from(await new Response(blob.stream()).arrayBuffer());
      // The tarball passed the publish checks; "collect" still never throws on what it would refuse.
      return (await readArchiveBytes(bytes, ctx.limits, 'collect')).files.sort((a, b) => a.path.localeCompare(b.path));
    })();
    p.catch(() => unpacked.delete(v.integrity));
    unpacked.set(v.integrity, p);
    if (unpacked.size > UNPACKED_MAX) unpacked.delete(unpacked.keys().next().value!);
  }
  return p;
}

/** Text, or null for binary content (a NUL byte in the first 8 KiB). */
export function textOf(bytes: Buffer): string | null {
  if (bytes.subarray(0, 8192).includes(0)) return null;
  return bytes.toString('utf8');
}
