import semver from 'semver';
import { InputError } from './errors.js';

const MAX_VERSION_LENGTH = 256;

/** Returns why `v` is not a strict semver version, or null. Loose forms like `v1.0.0` are refused. */
export function versionProblem(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0) return 'a version is required';
  if (v.length > MAX_VERSION_LENGTH) return `a version may have at most ${MAX_VERSION_LENGTH} characters`;
  if (v.includes('+')) return `"${v}" has build metadata (+...); versions that differ only in build metadata are the same version, so leave it out`;
  const parsed = semver.valid(v);
  if (parsed === null || parsed !== v) return `"${v}" is not a strict semver version such as 1.2.3 or 2.0.0-beta.1`;
  return null;
}

export function assertVersion(v: unknown): string {
  const problem = versionProblem(v);
  if (problem) throw new InputError(`invalid version: ${problem}`, 'invalid_version');
  return v as string;
}

export const isPrerelease = (v: string): boolean => semver.prerelease(v) !== null;

/**
 * Whether publishing `version` should move `latest` when no tag was asked for:
 * the first stable version, and every higher stable one. A prerelease never does.
 */
export function movesLatest(version: string, currentLatest: string | null): boolean {
  if (isPrerelease(version)) return false;
  return currentLatest === null || semver.gt(version, currentLatest);
}

export type SpecKind = 'version' | 'range' | 'tag';

export function classifySpec(spec: string): SpecKind {
  if (semver.valid(spec) === spec) return 'version';
  if (semver.validRange(spec) !== null) return 'range';
  return 'tag';
}

/** A dist-tag name may not look like a version or a range, or it would shadow them. */
export function tagProblem(tag: unknown): string | null {
  if (typeof tag !== 'string' || tag.length === 0) return 'a tag name is required';
  if (tag.length > 128) return 'a tag name may have at most 128 characters';
  if (!/^[a-zA-Z][a-zA-Z0-9._-]*$/.test(tag)) return 'a tag name starts with a letter and contains only letters, digits and . _ -';
  if (semver.validRange(tag) !== null) return `"${tag}" looks like a version range, so it cannot be a tag`;
  return null;
}

/**
 * Resolves a spec (exact version, range or dist-tag; empty means `latest`) against the live versions.
 * Ranges take the highest satisfying version and skip prereleases unless the range names them, as npm does.
 * Returns null when nothing matches.
 */
export function resolveSpec(spec: string, versions: readonly string[], distTags: Readonly<Record<string, string>>): string | null {
  const s = spec.trim();
  if (s === '' || s === 'latest') {
    if (distTags.latest && versions.includes(distTags.latest)) return distTags.latest;
    if (s === 'latest' && distTags.latest === undefined && versions.length === 0) return null;
    // No latest (only prereleases so far): the highest stable, else the highest of all.
    return semver.maxSatisfying(versions as string[], '*') ?? semver.maxSatisfying(versions as string[], '*', { includePrerelease: true });
  }
  switch (classifySpec(s)) {
    case 'version':
      return versions.includes(s) ? s : null;
    case 'range':
      return semver.maxSatisfying(versions as string[], s);
    case 'tag': {
      const v = distTags[s];
      return v !== undefined && versions.includes(v) ? v : null;
    }
  }
}

export const sortVersions = (versions: readonly string[]): string[] => [...versions].sort(semver.compare);
