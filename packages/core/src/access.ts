import { InputError } from './errors.js';
import { stringList } from './string-list.js';

/** What a token may do. A request needs the action in its token and in the user's current role. */
export const TOKEN_ACTIONS = ['read', 'publish:new', 'publish:update', 'tags', 'deprecate', 'unpublish', 'owners', 'tokens', 'admin'] as const;
export type TokenAction = (typeof TOKEN_ACTIONS)[number];

/** Roles on an org, a scope or a package, weakest first. */
export const ACCESS_ROLES = ['reader', 'maintainer', 'owner'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];

/** What each role allows on the packages it covers. `admin` is never granted by a role. */
export const ROLE_ACTIONS: Record<AccessRole, readonly TokenAction[]> = {
  reader: ['read'],
  maintainer: ['read', 'publish:new', 'publish:update', 'tags', 'deprecate'],
  owner: ['read', 'publish:new', 'publish:update', 'tags', 'deprecate', 'unpublish', 'owners', 'tokens'],
};

/** Shorthands for `--actions`, kept so scripts written for the core's token roles keep working. */
export const ACTION_PRESETS: Record<string, readonly TokenAction[]> = {
  admin: TOKEN_ACTIONS,
  publisher: ['read', 'publish:new', 'publish:update', 'tags', 'deprecate', 'unpublish', 'owners', 'tokens'],
  reader: ['read'],
};

export const VISIBILITIES = ['public', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const strongerRole = (a: AccessRole | null, b: AccessRole | null): AccessRole | null =>
  a === null ? b : b === null ? a : ACCESS_ROLES.indexOf(a) >= ACCESS_ROLES.indexOf(b) ? a : b;

export function assertAccessRole(role: unknown): AccessRole {
  if (!ACCESS_ROLES.includes(role as AccessRole)) throw new InputError(`role must be one of ${ACCESS_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  return role as AccessRole;
}

export function assertVisibility(v: unknown): Visibility {
  if (!VISIBILITIES.includes(v as Visibility)) throw new InputError(`visibility must be public or private, got ${JSON.stringify(v)}`);
  return v as Visibility;
}

/**
 * Parses a list of actions: an array or a comma-separated string, where a preset name
 * (admin, publisher, reader) stands for its actions. Unknown actions are an error, not ignored.
 */
export function parseActions(input: unknown): TokenAction[] {
  const items = stringList(input, `actions must be a list such as ["read", "publish:update"]; known actions: ${TOKEN_ACTIONS.join(', ')}`);
  const out = new Set<TokenAction>();
  for (const raw of items) {
    const a = raw.trim();
    if (!a) continue;
    if (ACTION_PRESETS[a]) ACTION_PRESETS[a].forEach((x) => out.add(x));
    else if (TOKEN_ACTIONS.includes(a as TokenAction)) out.add(a as TokenAction);
    else
      throw new InputError(
        `unknown action ${JSON.stringify(a)}; known actions: ${TOKEN_ACTIONS.join(', ')} (or a preset: ${Object.keys(ACTION_PRESETS).join(', ')})`,
      );
  }
  if (out.size === 0) throw new InputError('a token needs at least one action');
  return TOKEN_ACTIONS.filter((a) => out.has(a));
}

const PATTERN_RE = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9._-]*\*?$|^@[a-z0-9][a-z0-9._-]*\/\*$/;

/** Why a package pattern is invalid, or null. Patterns: `name`, `@scope/name`, `@scope/*`, `prefix*`. */
export function patternProblem(pattern: string): string | null {
  if (pattern === '*') return null;
  if (pattern.length === 0 || pattern.length > 214) return 'a package pattern must have 1 to 214 characters';
  if (!PATTERN_RE.test(pattern) || pattern === '@' || pattern.indexOf('*') !== pattern.lastIndexOf('*'))
    return `invalid package pattern ${JSON.stringify(pattern)}: use an exact name, @scope/*, or a prefix ending in *`;
  return null;
}

export function parsePatterns(input: unknown): string[] | null {
  if (input === undefined || input === null) return null;
  const items = stringList(input, 'packages must be a list of names or patterns such as ["@acme/*", "tpl-*"]');
  for (const p of items) {
    const problem = patternProblem(p);
    if (problem) throw new InputError(problem);
  }
  return items.length ? [...new Set(items)] : null;
}

export const matchesPattern = (pattern: string, name: string) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);

/** Whether every name `inner` matches is also matched by `outer`. */
export const patternCovers = (outer: string, inner: string) =>
  outer.endsWith('*') ? inner.startsWith(outer.slice(0, -1)) : !inner.endsWith('*') && inner === outer;

/** `30d`, `12h`, `90m`, `3600s` or plain seconds, as seconds (zero allowed: a grace period may be none). */
export function parseDuration(text: string | number, what = 'a duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new InputError(`${what} must be a number of seconds, not negative`);
    return Math.floor(text);
  }
  const m = /^(\d+)\s*([smhd]?)$/.exec(String(text).trim());
  if (!m) throw new InputError(`${what} takes a number with a unit (s, m, h or d), such as 30d; got ${JSON.stringify(text)}`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

const USER_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export function userNameProblem(name: unknown): string | null {
  return typeof name === 'string' && USER_RE.test(name)
    ? null
    : `invalid user name ${JSON.stringify(name)}: use lowercase letters, digits and . _ - (at most 64, starting with a letter or digit)`;
}
const ORG_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Org names are scopes without the @; team names follow the same rule. */
export function orgNameProblem(name: unknown, what = 'org'): string | null {
  return typeof name === 'string' && ORG_RE.test(name)
    ? null
    : `invalid ${what} name ${JSON.stringify(name)}: use lowercase letters, digits and . _ - (at most 64), without the @`;
}
