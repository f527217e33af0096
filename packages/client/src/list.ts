import { resolve } from 'node:path';
import { TEMPLATES_DIR, type GeneratorListing } from '@unjucks/core';
import { readLockfile } from './lockfile.js';
import type { PackageSource } from './source.js';

export interface ListedPackage {
  name: string;
  version: string;
  /** The range the project asked for, or null for a package installed as a dependency. */
  range: string | null;
  requiredBy: string[];
  generators: { name: string; description: string; templates: { name: string; description: string }[] }[];
}

/** Generators and templates as folders, for when the registry's document cannot be had. */
function fromFiles(files: string[]): ListedPackage['generators'] {
  const byGen = new Map<string, Set<string>>();
  for (const rel of files) {
    const [top, gen, tmpl] = rel.split('/');
    if (top !== TEMPLATES_DIR || !gen || !tmpl) continue;
    byGen.set(gen, (byGen.get(gen) ?? new Set()).add(tmpl.replace(/\.[^.]+(\.t)?$/, '')));
  }
  return [...byGen].sort().map(([name, t]) => ({ name, description: '', templates: [...t].sort().map((n) => ({ name: n, description: '' })) }));
}

/**
 * `unjucks list`: what the lock holds, with the generators and templates each package provides as the
 * registry's validator discovered them (the cached package document is used first; versions never change).
 */
export async function list(source: PackageSource, opts: { dir: string }): Promise<ListedPackage[]> {
  const lock = await readLockfile(resolve(opts.dir));
  return Promise.all(
    Object.entries(lock.packages)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(async ([name, p]) => {
        let listing: GeneratorListing[] | null = null;
        try {
          listing = (await source.packument(name)).versions[p.version]?.generators ?? null;
        } catch {
          listing = null;
        }
        return {
          name,
          version: p.version,
          range: lock.dependencies[name] ?? null,
          requiredBy: Object.entries(lock.packages)
            .filter(([, o]) => o.dependencies?.[name])
            .map(([n]) => n),
          generators: listing
            ? listing.map((g) => ({
                name: g.name,
                description: g.description,
                templates: g.templates.map((t) => ({ name: t.name, description: t.description })),
              }))
            : fromFiles(Object.keys(p.files)),
        };
      }),
  );
}

export function formatList(pkgs: ListedPackage[]): string {
  if (!pkgs.length) return 'no packages installed here';
  const lines: string[] = [];
  for (const p of pkgs) {
    lines.push(`${p.name}@${p.version} ${p.range !== null ? `(${p.range})` : `(dependency of ${p.requiredBy.join(', ')})`}`);
    for (const g of p.generators) for (const t of g.templates) lines.push(`  ${g.name} ${t.name}${t.description ? ` — ${t.description}` : ''}`);
  }
  return lines.join('\n');
}
