/**
 * Constant folding over the expressions templates build paths and keys from, without rendering.
 *
 * A value is one of a small set of possibilities. Strings may hold holes: `INPUT` stands for
 * something the user types at generate time (an arbitrary single safe path segment), `LOOP` for an
 * item of a collection the template iterates over. `TOP` is a value the package controls but the
 * analysis cannot work out: whatever uses it cannot be proven safe. Sets are capped, and a set that
 * outgrows the cap becomes TOP, so piling up branches never turns an attack into "unknown input".
 */
import { posix } from 'node:path';

export const INPUT_MARK = '\uE000';
export const LOOP_MARK = '\uE001';
export const TOP: unique symbol = Symbol('top');
export type Scalar = string | number | boolean | null | undefined;
/** A plain-data object from a declared default (`cfg: { dir: ... }`), looked into by member access. */
export class Obj {
  constructor(readonly data: Record<string, unknown>) {}
  get(key: unknown): Val {
    return typeof key === 'string' && Object.hasOwn(this.data, key) ? dataVal(this.data[key]) : undefined;
  }
}
export type Val = Scalar | typeof TOP | Obj | Val[];

/** Plain data (a declared default) as a folded value. */
export function dataVal(v: unknown): Val {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(dataVal);
  if (typeof v === 'object') return new Obj(v as Record<string, unknown>);
  return TOP;
}
/** The possible values of one expression. */
export type Vals = Val[];

export const MAX_VALUES = 64;
const MAX_STRING = 4096;

export const top = (): Vals => [TOP];
export const input = (): Vals => [INPUT_MARK];
export const loopItem = (): Vals => [LOOP_MARK];
export const isTop = (vs: Vals): boolean => vs.some((v) => v === TOP || (Array.isArray(v) && isTop(v)));

const keyOf = (v: Val): string =>
  v === TOP
    ? '\u0000top'
    : v === undefined
      ? '\u0000undef'
      : typeof v === 'string'
        ? `s${v}`
        : v instanceof Obj
          ? `o${JSON.stringify(v.data)}`
          : (JSON.stringify(v) ?? 'x');

/** A set of possibilities, deduplicated and capped. */
export function union(...sets: Vals[]): Vals {
  const seen = new Map<string, Val>();
  for (const s of sets)
    for (const v of s) {
      if (v === TOP) return top();
      if (typeof v === 'string' && v.length > MAX_STRING) return top();
      seen.set(keyOf(v), v);
      if (seen.size > MAX_VALUES) return top();
    }
  return [...seen.values()];
}

/** How nunjucks and EJS print a value. */
export function toText(v: Val): string | typeof TOP {
  if (v === TOP) return TOP;
  if (v === null || v === undefined) return '';
  if (v instanceof Obj) return '[object Object]';
  if (Array.isArray(v)) {
    const parts = v.map(toText);
    return parts.includes(TOP) ? TOP : parts.join(',');
  }
  return String(v);
}

export function texts(vs: Vals): Vals {
  return union(vs.map((v) => toText(v)));
}

/** Every way of putting one possibility of each part side by side. */
export function concat(...parts: Vals[]): Vals {
  let acc: Vals = [''];
  for (const p of parts) {
    const t = texts(p);
    if (isTop(t) || isTop(acc)) return top();
    const next: Vals = [];
    for (const a of acc) for (const b of t) next.push(String(a) + String(b));
    acc = union(next);
    if (isTop(acc)) return acc;
  }
  return acc;
}

/** Applies a pure function to every combination of concrete arguments; holes pass through as holes. */
export function lift(args: Vals[], fn: (...a: Val[]) => Val): Vals {
  if (args.some(isTop)) return top();
  let combos: Val[][] = [[]];
  for (const a of args) {
    const next: Val[][] = [];
    for (const c of combos) for (const v of a) next.push([...c, v]);
    if (next.length > MAX_VALUES) return top();
    combos = next;
  }
  const out: Vals = [];
  for (const c of combos) {
    try {
      out.push(fn(...c));
    } catch {
      return top();
    }
  }
  return union(out);
}

/** A lookup table without Object.prototype, so a key like "constructor" finds nothing. */
export const nullProto = <T extends object>(o: T): T => Object.assign(Object.create(null) as T, o);

const str = (v: Val) => (typeof v === 'string' ? v : toText(v) === TOP ? '' : (toText(v) as string));

/** Pure string methods the analysis can run on folded values (no regular expressions, no callbacks). */
export const STRING_METHODS: Record<string, (s: string, ...a: Val[]) => Val> = nullProto({
  toLowerCase: (s) => s.toLowerCase(),
  toUpperCase: (s) => s.toUpperCase(),
  toLocaleLowerCase: (s) => s.toLowerCase(),
  toLocaleUpperCase: (s) => s.toUpperCase(),
  trim: (s) => s.trim(),
  trimStart: (s) => s.trimStart(),
  trimEnd: (s) => s.trimEnd(),
  toString: (s: string) => s,
  valueOf: (s: string) => s,
  normalize: (s) => s.normalize(),
  concat: (s, ...a) => s + a.map(str).join(''),
  replace: (s, a, b) => s.replace(str(a), str(b)),
  replaceAll: (s, a, b) => s.split(str(a)).join(str(b)),
  slice: (s, a, b) => s.slice(Number(a ?? 0), b === undefined ? undefined : Number(b)),
  substring: (s, a, b) => s.substring(Number(a ?? 0), b === undefined ? undefined : Number(b)),
  substr: (s, a, b) => s.substr(Number(a ?? 0), b === undefined ? undefined : Number(b)),
  charAt: (s, a) => s.charAt(Number(a ?? 0)),
  at: (s, a) => s.at(Number(a ?? 0)),
  padStart: (s, n, p) => (Number(n) > MAX_STRING ? TOP : s.padStart(Number(n), p === undefined ? ' ' : str(p))),
  padEnd: (s, n, p) => (Number(n) > MAX_STRING ? TOP : s.padEnd(Number(n), p === undefined ? ' ' : str(p))),
  repeat: (s, n) => (s.length * Number(n) > MAX_STRING ? TOP : s.repeat(Number(n))),
  split: (s, a) => (a === undefined ? [s] : s.split(str(a))),
});

export const ARRAY_METHODS: Record<string, (a: Val[], ...args: Val[]) => Val> = nullProto({
  join: (a, sep) => a.map((v) => (v === null || v === undefined ? '' : str(v))).join(sep === undefined ? ',' : str(sep)),
  concat: (a, ...rest) => a.concat(...rest.map((r) => (Array.isArray(r) ? r : [r]) as Val[])),
  reverse: (a) => [...a].reverse(),
  slice: (a, s, e) => a.slice(Number(s ?? 0), e === undefined ? undefined : Number(e)),
  at: (a, i) => a.at(Number(i ?? 0)),
  toString: (a: Val[]) => a.map(str).join(','),
});

/** `h.path.*` and node's path module, run on folded strings (POSIX: backslashes are reported separately). */
export const PATH_FUNCTIONS: Record<string, (...a: string[]) => string> = nullProto({
  join: (...a) => posix.join(...a),
  // A resolve against the destination folder: absolute only when an argument is.
  resolve: (...a) => {
    const abs = a.map((p) => p.startsWith('/')).lastIndexOf(true);
    return abs >= 0 ? posix.resolve(...a.slice(abs)) : posix.normalize(posix.join(...a));
  },
  normalize: (p) => posix.normalize(p),
  dirname: (p) => posix.dirname(p),
  basename: (p, e) => posix.basename(p, e),
  extname: (p) => posix.extname(p),
  relative: (a, b) => (a.startsWith('/') || b.startsWith('/') ? posix.relative(a, b) : posix.relative(posix.join('/d', a), posix.join('/d', b))),
  toNamespacedPath: (p) => p,
});

export function callPath(fn: string, args: Vals[]): Vals {
  const f = PATH_FUNCTIONS[fn];
  if (!f) return top();
  return lift(args, (...a) => f(...a.map(str)));
}

/**
 * Names that reach JavaScript's runtime when used as a member key: the sandbox-escape family.
 */
export const DANGEROUS_KEYS = [
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'process',
  'require',
  'global',
  'globalThis',
  'Function',
  'eval',
  'mainModule',
  'caller',
  'callee',
  'arguments',
];
const DANGEROUS_SET = new Set(DANGEROUS_KEYS);

/** Whether a string with holes can spell `name` (a hole matches anything). */
function canSpell(pattern: string, name: string): boolean {
  const parts = pattern.split(/[\uE000\uE001]/);
  if (parts.length === 1) return pattern === name;
  if (!name.startsWith(parts[0]!) || !name.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  for (const p of parts.slice(1, -1)) {
    const i = name.indexOf(p, at);
    if (i < 0) return false;
    at = i + p.length;
  }
  return at <= name.length - parts[parts.length - 1]!.length;
}

export type KeyVerdict = { kind: 'safe' } | { kind: 'dangerous'; name: string } | { kind: 'unknown' };

/**
 * Whether a computed member key is harmless: numbers, loop items and strings that cannot spell a
 * dangerous name are; a key that folds to a dangerous name is not; anything else is unknown.
 */
export function judgeKey(vs: Vals): KeyVerdict {
  if (isTop(vs)) return { kind: 'unknown' };
  let unknown = false;
  for (const v of vs) {
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) continue;
    if (v === LOOP_MARK) continue;
    if (typeof v !== 'string') {
      unknown = true;
      continue;
    }
    if (DANGEROUS_SET.has(v)) return { kind: 'dangerous', name: v };
    if (v === INPUT_MARK) {
      unknown = true;
      continue;
    }
    const spelled = DANGEROUS_KEYS.find((d) => canSpell(v, d));
    if (spelled) unknown = true;
  }
  return unknown ? { kind: 'unknown' } : { kind: 'safe' };
}

/** The possible strings of a folded path, holes shown as "x"; null when the package controls a part it cannot work out. */
export function possiblePaths(vs: Vals): string[] | null {
  const t = texts(vs);
  if (isTop(t)) return null;
  return t.map((s) => String(s).replace(/[\uE000\uE001]/g, 'x'));
}
