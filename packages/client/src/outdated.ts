import { resolve } from 'node:path';
import semver from 'semver';
import { sortVersions } from '@unjucks/core';
import { readLockfile } from './lockfile.js';
import { allows } from './resolve.js';
import type { PackageSource } from './source.js';

export interface OutdatedRow {
  name: string;
  current: string;
  /** The newest version every range asking for it allows: what `unjucks update` would take. */
  wanted: string | null;
  latest: string | null;
  /** Who asks for it, with which range ("your project" for a direct install). */
  ranges: { from: string; range: string }[];
}

/** Every installed package with a newer version in its range or on `latest`; empty when all are current. */
export async function outdated(source: PackageSource, opts: { dir: string }): Promise<OutdatedRow[]> {
  const lock = await readLockfile(resolve(opts.dir));
  const rows = await Promise.all(
    Object.entries(lock.packages).map(async ([name, p]): Promise<OutdatedRow> => {
      const ranges = [
        ...(lock.dependencies[name] !== undefined ? [{ from: 'your project', range: lock.dependencies[name]! }] : []),
        ...Object.entries(lock.packages)
          .filter(([, o]) => o.dependencies?.[name] !== undefined)
          .map(([n, o]) => ({ from: `${n}@${o.version}`, range: o.dependencies![name]! })),
      ];
      const doc = await source.packument(name);
      const versions = sortVersions(Object.keys(doc.versions));
      const fits = versions.filter((v) => ranges.every((r) => allows(r.range, v, versions, doc['dist-tags'])));
      const latest = doc['dist-tags'].latest ?? versions[versions.length - 1] ?? null;
      return { name, current: p.version, wanted: fits[fits.length - 1] ?? null, latest, ranges };
    }),
  );
  return rows
    .filter((r) => (r.wanted !== null && semver.gt(r.wanted, r.current)) || (r.latest !== null && semver.gt(r.latest, r.current)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function formatOutdated(rows: OutdatedRow[]): string {
  if (!rows.length) return 'every package is up to date';
  const table = [
    ['package', 'current', 'wanted', 'latest', 'range'],
    ...rows.map((r) => [r.name, r.current, r.wanted ?? '-', r.latest ?? '-', r.ranges.map((x) => `${x.range} (${x.from})`).join(', ')]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
