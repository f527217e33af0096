import semver from 'semver';
import { classifySpec, resolveSpec, sortVersions, type PackageDoc, type VersionDoc } from '@unjucks/core';
import { CliError } from './errors.js';

/** One package asking for another (or the project asking, `from` = "your project"). */
export interface Request {
  name: string;
  spec: string;
  from: string;
}

export interface ResolvedPackage {
  name: string;
  version: string;
  doc: VersionDoc;
  dependencies: Record<string, string>;
}

/** A package's declared dependencies on other template packages. */
export function dependenciesOf(doc: Pick<VersionDoc, 'manifest' | 'name' | 'version'>): Record<string, string> {
  const deps = doc.manifest.dependencies;
  if (deps === undefined) return {};
  if (typeof deps !== 'object' || deps === null || Array.isArray(deps) || Object.values(deps).some((r) => typeof r !== 'string'))
    throw new CliError(`${doc.name}@${doc.version} has a "dependencies" field that is not an object of name → range; ask its authors to fix it`);
  return deps as Record<string, string>;
}

/** Whether `version` is what `spec` (a version, range, tag or empty for latest) picks out. */
export function allows(spec: string, version: string, versions: string[], tags: Record<string, string>): boolean {
  const s = spec.trim();
  if (s === '' || s === 'latest' || classifySpec(s) === 'tag') return resolveSpec(s, versions, tags) === version;
  return semver.satisfies(version, s);
}

const describe = (reqs: Request[]) => reqs.map((r) => `${r.spec || 'latest'} (from ${r.from})`).join(', ');

/**
 * Picks one version per name for the whole graph: templates share one _templates/ tree, so two
 * versions of a package cannot sit side by side. Each name gets the highest version that every
 * range asking for it allows, keeping a `prefer`red version (the locked one) while it still fits.
 * It repeats until nothing moves; a version that changes withdraws the ranges it had asked for.
 * There is no backtracking: when ranges cannot all be met, the error names who asks for what.
 */
export async function resolveGraph(
  roots: Record<string, string>,
  packument: (name: string, context: string) => Promise<PackageDoc>,
  prefer: Record<string, string> = {},
): Promise<Map<string, ResolvedPackage>> {
  let chosen = new Map<string, ResolvedPackage>();
  for (let round = 0; round < 100; round++) {
    // Who asks for what, following the versions chosen so far from the project's own requests.
    const requests = new Map<string, Request[]>();
    const stack: Request[] = Object.entries(roots).map(([name, spec]) => ({ name, spec, from: 'your project' }));
    const visited = new Set<string>();
    while (stack.length) {
      const r = stack.pop()!;
      requests.set(r.name, [...(requests.get(r.name) ?? []), r]);
      if (visited.has(r.name)) continue;
      visited.add(r.name);
      const current = chosen.get(r.name);
      if (current) for (const [dep, spec] of Object.entries(current.dependencies)) stack.push({ name: dep, spec, from: `${current.name}@${current.version}` });
    }
    const docs = new Map(
      await Promise.all(
        [...requests].map(
          async ([name, reqs]) => [name, await packument(name, reqs[0]!.from === 'your project' ? '' : ` (a dependency of ${reqs[0]!.from})`)] as const,
        ),
      ),
    );

    const next = new Map<string, ResolvedPackage>();
    for (const [name, reqs] of requests) {
      const doc = docs.get(name)!;
      const versions = sortVersions(Object.keys(doc.versions));
      const fits = versions.filter((v) => reqs.every((r) => allows(r.spec, v, versions, doc['dist-tags'])));
      if (fits.length === 0) {
        const which = versions.length ? `versions: ${versions.join(', ')}` : 'it has no versions';
        throw new CliError(
          reqs.length === 1
            ? `no version of ${name} matches ${reqs[0]!.spec || 'latest'} (from ${reqs[0]!.from}); ${which}`
            : `no single version of ${name} satisfies every range asked for: ${describe(reqs)}; ${which}. Templates share one _templates/ folder, so one version must fit all`,
        );
      }
      const keep = [chosen.get(name)?.version, prefer[name]].find((v) => v !== undefined && fits.includes(v));
      const version = keep ?? fits[fits.length - 1]!;
      const vdoc = doc.versions[version]!;
      next.set(name, { name, version, doc: vdoc, dependencies: dependenciesOf(vdoc) });
    }
    const settled = next.size === chosen.size && [...next].every(([n, p]) => chosen.get(n)?.version === p.version);
    chosen = next;
    if (settled) {
      assertNoCycle(chosen);
      return chosen;
    }
  }
  throw new CliError(
    'the dependency graph did not settle after 100 rounds; ranges keep pushing each other around. Pin the packages involved with exact versions',
  );
}

/** Packages cannot depend on each other in a circle: there would be no order to install or update them in. */
export function assertNoCycle(graph: Map<string, { name: string; version: string; dependencies: Record<string, string> }>) {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string) => {
    const p = graph.get(name);
    if (!p || state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      const cycle = [...path.slice(path.indexOf(name)), name].map((n) => `${n}@${graph.get(n)!.version}`);
      throw new CliError(`dependency cycle: ${cycle.join(' → ')}; template packages cannot depend on each other in a circle. Nothing was written`);
    }
    state.set(name, 'open');
    path.push(name);
    for (const dep of Object.keys(p.dependencies).sort()) visit(dep);
    path.pop();
    state.set(name, 'done');
  };
  for (const name of [...graph.keys()].sort()) visit(name);
}
