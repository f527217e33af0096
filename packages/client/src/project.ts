import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { CliError } from './errors.js';
import type { Lockfile } from './lockfile.js';
import { reachable } from './lockfile.js';

/**
 * The template packages a project's package.json declares, under `unjucks.dependencies`
 * (name → range), or null when it declares none: the lockfile's own list is then the record.
 */
export async function readDeclared(root: string): Promise<Record<string, string> | null> {
  let text: string;
  try {
    text = await readFile(join(root, 'package.json'), 'utf8');
  } catch {
    return null;
  }
  let json: { unjucks?: { dependencies?: unknown } };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${join(root, 'package.json')} is not valid JSON (${(e as Error).message}); fix it first`);
  }
  const deps = json?.unjucks?.dependencies;
  if (deps === undefined) return null;
  if (typeof deps !== 'object' || deps === null || Array.isArray(deps) || Object.values(deps).some((v) => typeof v !== 'string'))
    throw new CliError(`unjucks.dependencies in ${join(root, 'package.json')} must be an object of package name → version range`);
  return deps as Record<string, string>;
}

/** Keeps package.json's `unjucks.dependencies` in step when the project declares its templates there. */
export async function writeDeclared(root: string, deps: Record<string, string>): Promise<void> {
  const path = join(root, 'package.json');
  const json = JSON.parse(await readFile(path, 'utf8'));
  json.unjucks.dependencies = Object.fromEntries(
    Object.keys(deps)
      .sort()
      .map((k) => [k, deps[k]]),
  );
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
}

/**
 * Why the lock does not hold exactly the graph `wanted` asks for: a request missing or recorded with
 * another range, a locked version outside a range, a dependency missing, or a package nothing needs.
 */
export function lockProblems(lock: Lockfile, wanted: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, range] of Object.entries(wanted)) {
    if (lock.dependencies[name] === undefined) problems.push(`${name}@${range || 'latest'} is asked for but not in the lock`);
    else if (lock.dependencies[name] !== range) problems.push(`${name} is asked for at ${range || 'latest'} but the lock records ${lock.dependencies[name]}`);
  }
  for (const name of Object.keys(lock.dependencies)) if (!(name in wanted)) problems.push(`the lock records ${name}, which is no longer asked for`);
  const check = (name: string, range: string, from: string) => {
    const p = lock.packages[name];
    if (!p) problems.push(`${name} (needed by ${from}) is not in the lock`);
    else if (semver.validRange(range) !== null && !semver.satisfies(p.version, range))
      problems.push(`${from} asks for ${name}@${range} but the lock has ${p.version}`);
  };
  for (const [name, range] of Object.entries(lock.dependencies)) check(name, range, 'your project');
  for (const [name, p] of Object.entries(lock.packages))
    for (const [dep, range] of Object.entries(p.dependencies ?? {})) check(dep, range, `${name}@${p.version}`);
  const needed = reachable(Object.keys(lock.dependencies), lock.packages);
  for (const name of Object.keys(lock.packages)) if (!needed.has(name)) problems.push(`the lock holds ${name}, which nothing needs`);
  return problems;
}

/** The range to record for what the user typed: as npm, a tag or nothing becomes ^version. */
export function rangeToRecord(spec: string, version: string): string {
  const s = spec.trim();
  if (s === '' || semver.validRange(s) === null) return `^${version}`;
  return s;
}
