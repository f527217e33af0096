import validateNpmName from 'validate-npm-package-name';
import { orgNameProblem } from './access.js';
import { InputError } from './errors.js';

export const MAX_NAME_LENGTH = 214;

// npm's own rule set (validate-npm-package-name) for new packages: lowercase, URL-safe,
// no leading dot or underscore, optional @scope/.
const NAME_RE = /^(?:@([a-z0-9-~][a-z0-9-._~]*)\/)?([a-z0-9-~][a-z0-9-._~]*)$/;
const RESERVED = new Set(['node_modules', 'favicon.ico']);

export interface ParsedName {
  name: string;
  scope: string | null;
  /** The name without its scope: what npm uses in tarball file names. */
  basename: string;
}

/** Returns why `name` is not a valid package name, or null when it is. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'a package name is required';
  if (name.length > MAX_NAME_LENGTH) return `a package name may have at most ${MAX_NAME_LENGTH} characters`;
  if (name !== name.trim()) return 'a package name may not have leading or trailing spaces';
  if (name !== name.toLowerCase()) return 'a package name must be lowercase';
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(name)) return 'a package name must be ASCII: non-ASCII names are refused, as look-alike letters make them easy to spoof';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(name)) return 'a package name may not contain spaces or control characters';
  const m = NAME_RE.exec(name);
  if (!m) return 'a package name may only contain lowercase letters, digits and - . _ ~, with an optional @scope/ and no leading . or _';
  if (RESERVED.has(m[2]!)) return `"${m[2]}" is a reserved name`;
  return null;
}

/**
 * Why `name` may not be taken by a NEW package, or null. On top of nameProblem (which existing
 * packages keep passing, so names from before these rules stay readable and publishable), npm's
 * own rules for new names (validate-npm-package-name: no ~'!()* , no core module names), and a
 * scope that could be an org's name: a first publish claims the scope as an org.
 */
export function newNameProblem(name: unknown): string | null {
  const problem = nameProblem(name);
  if (problem) return problem;
  const n = name as string;
  // Newer releases of the library refuse this too; they need a newer Node than this project does.
  if (n.startsWith('-')) return 'npm refuses it for new packages: name cannot start with a hyphen';
  const npm = validateNpmName(n);
  if (!npm.validForNewPackages) return `npm refuses it for new packages: ${[...(npm.errors ?? []), ...(npm.warnings ?? [])].join('; ')}`;
  const scope = scopeOf(n);
  return scope === null ? null : orgNameProblem(scope, 'scope');
}

/** Throws the 400 a publish of a new package with a name newNameProblem refuses gets. */
export function assertNewName(name: string): void {
  const problem = newNameProblem(name);
  if (problem) throw new InputError(`invalid name for a new package ${JSON.stringify(name)}: ${problem}`, 'invalid_name');
}

/**
 * The one place a package name is split: `@scope/base` gives the scope without its @ and the
 * base; an unscoped name has a null scope. It does not validate (parseName does).
 */
export function splitName(name: string): { scope: string | null; basename: string } {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  return slash === -1 ? { scope: null, basename: name } : { scope: name.slice(1, slash), basename: name.slice(slash + 1) };
}

/** The scope of a package name without its @, or null for an unscoped name. */
export const scopeOf = (name: string): string | null => splitName(name).scope;

export function parseName(name: unknown): ParsedName {
  const problem = nameProblem(name);
  if (problem) throw new InputError(`invalid package name ${JSON.stringify(name)}: ${problem}`, 'invalid_name');
  const n = name as string;
  const { scope, basename } = splitName(n);
  return { name: n, scope: scope === null ? null : `@${scope}`, basename };
}

/** The tarball file name npm uses: `<basename>-<version>.tgz`. */
export const tarballFileName = (name: string, version: string): string => `${parseName(name).basename}-${version}.tgz`;

/** How a name appears as one URL path segment (`@scope%2Fname`), as npm clients send it. */
export const encodeName = (name: string): string => name.replace('/', '%2F');

/**
 * The form two names are compared in for similarity: lowercase with . - _ removed, so
 * `foo-bar`, `foo_bar` and `foobar` are one name. The migration that backfills it uses the same rule.
 */
export const canonicalName = (name: string): string => name.toLowerCase().replace(/[._-]/g, '');
