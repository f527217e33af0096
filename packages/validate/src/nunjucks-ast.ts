import nunjucks from 'nunjucks';
import type { Findings } from './findings.js';
import {
  ARRAY_METHODS,
  concat,
  DANGEROUS_KEYS,
  dataVal,
  Obj,
  input,
  INPUT_MARK,
  isTop,
  judgeKey,
  lift,
  LOOP_MARK,
  loopItem,
  nullProto,
  STRING_METHODS,
  texts,
  top,
  TOP,
  union,
  type Val,
  type Vals,
} from './fold.js';
import { KNOWN_GLOBALS } from './tools.js';

/** The parts of nunjucks' AST nodes this module reads (nunjucks/src/nodes.js). */
export interface Node {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  value?: unknown;
  [field: string]: unknown;
}

const parser = (nunjucks as unknown as { parser: { parse(src: string): Node } }).parser;

// Lookups that walk out of the data a template was given, into JavaScript's runtime.
const UNSAFE_MEMBERS = new Set(DANGEROUS_KEYS.filter((k) => k !== 'arguments'));
const UNSAFE_GLOBALS = new Set(['process', 'require', 'global', 'globalThis', 'module', 'Function', 'eval', 'constructor']);

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).typename === 'string';
const children = (n: unknown): unknown[] => (isNode(n) && Array.isArray(n.children) ? n.children : []);

export interface NunjucksUse {
  /** Names the template reads that it does not define itself. */
  variables: Set<string>;
}

/** Parses nunjucks source into its AST, reporting a syntax error at its position. */
export function parseNunjucks(file: string, source: string, bodyLine: number, findings: Findings, what = 'this template', severity?: 'warning'): Node | null {
  try {
    return parser.parse(source);
  } catch (e) {
    const err = e as Error & { lineno?: number; colno?: number };
    const message = err.message
      .replace(/^\s*\(unknown path\)\s*/, '')
      .replace(/\s*\[Line \d+, Column \d+\]\s*/, '')
      .trim();
    const line = err.lineno !== undefined ? bodyLine + err.lineno - 1 : bodyLine + source.split('\n').length - 1;
    findings.add('syntax/nunjucks', `nunjucks cannot parse ${what}: ${message}`, { file, line, column: err.colno ?? 1 }, severity);
    return null;
  }
}

/** A declared default as folded values. */
export function fromData(v: unknown): Vals {
  return v === undefined ? input() : [dataVal(v)];
}

export type Env = Map<string, Vals>;

const LOOP_OBJECT = new Obj({ index: 1, index0: 0, revindex: 1, revindex0: 0, first: true, last: true, length: 1 });

/** The folded value of a name: what the template set it to, else its declared default or the user's input. */
function lookupName(name: string, env: Env, defaults: Record<string, unknown>): Vals {
  const bound = env.get(name);
  if (bound) return bound;
  if (Object.hasOwn(defaults, name)) return union(fromData(defaults[name]), input());
  return input();
}

// Filters whose effect on a literal the analysis reproduces. Case filters keep the text as it is:
// they never add "." or "/" a path did not already have, and keeping them is the cautious choice.
const CASE_FILTERS = new Set(
  `pascalCase PascalCase camelCase kebabCase kebab-case kebab snakeCase snake_case constantCase CONSTANT_CASE capitalize
  titleCase sentenceCase slug humanize underscore dasherize classify tableize camelize demodulize pluralize singular swapCase title`.split(/\s+/),
);
/** Characters a path escape needs: a filter that is handed none of them cannot make one. */
const PATHLIKE = /[./\\~:\0]/;
const htmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const asText = (v: Val) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v));
const FILTERS: Record<string, (v: Val, ...a: Val[]) => Val> = nullProto({
  lower: (v) => asText(v).toLowerCase(),
  lowerCase: (v) => asText(v).toLowerCase(),
  upper: (v) => asText(v).toUpperCase(),
  repeat: (v, n) => (asText(v).length * Number(n ?? 1) > 4096 ? TOP : asText(v).repeat(Math.max(0, Number(n ?? 1) | 0))),
  upperCase: (v) => asText(v).toUpperCase(),
  trim: (v) => asText(v).trim(),
  capitalize: (v) => asText(v).charAt(0).toUpperCase() + asText(v).slice(1).toLowerCase(),
  title: (v) => asText(v),
  string: (v) => asText(v),
  safe: (v) => v,
  escape: (v) => htmlEscape(asText(v)),
  e: (v) => htmlEscape(asText(v)),
  forceescape: (v) => htmlEscape(asText(v)),
  urlencode: (v) => encodeURIComponent(asText(v)),
  replace: (v, a, b) => asText(v).split(asText(a)).join(asText(b)),
  join: (v, sep) => (Array.isArray(v) ? v.map(asText).join(sep === undefined ? '' : asText(sep)) : asText(v)),
  first: (v) => (Array.isArray(v) ? v[0] : asText(v).charAt(0)),
  last: (v) => (Array.isArray(v) ? v[v.length - 1] : asText(v).slice(-1)),
  reverse: (v) => (Array.isArray(v) ? [...v].reverse() : asText(v).split('').reverse().join('')),
  list: (v) => (Array.isArray(v) ? v : asText(v).split('')),
  sort: (v) => (Array.isArray(v) ? [...v].sort() : v),
});

/**
 * Folds one nunjucks expression to its possible values. Unknown functions and lookups on data the
 * analysis cannot see are TOP; names the user supplies are input holes.
 */
export function foldExpr(n: unknown, env: Env, defaults: Record<string, unknown>): Vals {
  if (!isNode(n)) return top();
  const f = (x: unknown) => foldExpr(x, env, defaults);
  switch (n.typename) {
    case 'Literal':
      return [n.value as Val];
    case 'Symbol': {
      const name = String(n.value);
      if (name === 'true' || name === 'false') return [name === 'true'];
      if (name === 'none' || name === 'null') return [null];
      // The loop object nunjucks provides inside {% for %}: counters and flags.
      if (name === 'loop' && !env.has('loop')) return [LOOP_OBJECT];
      return lookupName(name, env, defaults);
    }
    case 'Group':
      return children(n).length === 1 ? f(children(n)[0]) : top();
    case 'Array': {
      const items = children(n).map(f);
      return lift(items, (...a) => a);
    }
    case 'Concat':
      return concat(f(n.left), f(n.right));
    case 'Add':
      return lift([f(n.left), f(n.right)], (a, b) => (typeof a === 'number' && typeof b === 'number' ? a + b : asText(a) + asText(b)));
    case 'InlineIf':
      return union(f(n.body), n.else_ ? f(n.else_) : [undefined]);
    case 'Or':
    case 'And':
      return union(f(n.left), f(n.right), [false]);
    case 'Not':
    case 'In':
    case 'Is':
    case 'Compare':
      return [true, false];
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'FloorDiv':
    case 'Mod':
    case 'Pow':
    case 'Neg':
    case 'Pos':
      return [0];
    case 'Filter': {
      const name = isNode(n.name) ? String(n.name.value) : '';
      const args = children(n.args)
        .filter((a) => !(isNode(a) && a.typename === 'KeywordArgs'))
        .map(f);
      if (args.length === 0) return top();
      if (name === 'default' || name === 'd') return union(args[0]!, args[1] ?? [undefined]);
      const fn = FILTERS[name];
      // Case filters keep the text (they never add "." or "/"): the cautious choice for paths.
      if (!fn && CASE_FILTERS.has(name)) return args[0]!;
      // Any other filter could rearrange what it is given: on plain text its result is plain text, else unknown.
      if (!fn)
        return args.every((a) => !isTop(a) && a.every((v) => typeof v !== 'string' || !PATHLIKE.test(v)))
          ? lift([args[0]!], (v) => (v === undefined || v === null ? v : INPUT_MARK))
          : top();
      return lift(args, (v, ...rest) => (v === INPUT_MARK || v === LOOP_MARK ? v : fn(v, ...rest)));
    }
    case 'LookupVal': {
      const target = f(n.target);
      const key = f(n.val);
      if (isTop(target) || isTop(key)) return top();
      return lift([target, key], (t, k) => {
        if (t instanceof Obj) return t.get(k);
        if (Array.isArray(t) && typeof k === 'number') return t[k];
        if (Array.isArray(t) && k === 'length') return t.length;
        if (typeof t === 'string' && k === 'length') return t.length;
        if (typeof t === 'string' && typeof k === 'number') return t.charAt(k);
        if (typeof t === 'string' && t.includes(INPUT_MARK)) return INPUT_MARK;
        if (t === INPUT_MARK || (typeof t === 'string' && t.includes(LOOP_MARK))) return INPUT_MARK;
        if (typeof t === 'string' && typeof k === 'string' && k in STRING_METHODS) return TOP;
        if (Array.isArray(t) && typeof k === 'string' && k in ARRAY_METHODS) return TOP;
        return t === null || t === undefined ? undefined : TOP;
      });
    }
    case 'FunCall': {
      // x.method(...) on a folded string or array runs the pure method; other calls are unknown.
      if (isNode(n.name) && n.name.typename === 'LookupVal' && isNode(n.name.val) && n.name.val.typename === 'Literal') {
        const method = String(n.name.val.value);
        const target = f(n.name.target);
        const args = children(n.args).map(f);
        return lift([target, ...args], (t, ...a) => {
          if (t === INPUT_MARK) return INPUT_MARK;
          if (typeof t === 'string' && STRING_METHODS[method]) return STRING_METHODS[method]!(t, ...a);
          if (Array.isArray(t) && ARRAY_METHODS[method]) return ARRAY_METHODS[method]!(t, ...a);
          return TOP;
        });
      }
      if (isNode(n.name) && n.name.typename === 'Symbol' && n.name.value === 'range') return [[]];
      return top();
    }
    default:
      return top();
  }
}

/** Binds the names a Set or For target introduces. */
function bindTargets(target: unknown, vals: Vals, env: Env) {
  if (isNode(target) && target.typename === 'Symbol') {
    const name = String(target.value);
    env.set(name, env.has(name) ? union(env.get(name)!, vals) : vals);
  } else if (isNode(target) && target.typename === 'Array') for (const c of children(target)) bindTargets(c, vals, env);
  else if (Array.isArray(target)) for (const c of target) bindTargets(c, vals, env);
}

/** The items of a folded collection: the elements of a literal list, else loop-item holes. */
function itemsOf(arr: Vals): Vals {
  if (isTop(arr)) return top();
  const out: Vals[] = [];
  for (const a of arr) {
    if (Array.isArray(a)) out.push(a);
    else if (typeof a === 'string' && !a.includes(INPUT_MARK) && !a.includes(LOOP_MARK)) out.push(a.split(''));
    else out.push(loopItem());
  }
  return union(...out);
}

/**
 * Every name the template binds ({% set %}, {% for %}, macro arguments), with the values it can
 * take anywhere in the template (flow-insensitive, so a later set still counts for an earlier use).
 */
export function bindings(root: Node, defaults: Record<string, unknown>): Env {
  let env: Env = new Map();
  let assigns = false;
  for (let round = 0; round < 4; round++) {
    const next: Env = new Map();
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (!isNode(v)) return;
      switch (v.typename) {
        case 'Set':
          assigns = true;
          if (v.value) bindTargets(v.targets, foldExpr(v.value, env, defaults), next);
          else bindTargets(v.targets, isNode(v.body) ? renderFold(v.body, env, defaults) : top(), next);
          break;
        case 'For':
        case 'AsyncEach':
        case 'AsyncAll': {
          const items = itemsOf(foldExpr(v.arr, env, defaults));
          // for k, v in dict: both are items of data the template iterates over.
          if (isNode(v.name) && v.name.typename === 'Array') bindTargets(v.name, loopItem(), next);
          else bindTargets(v.name, items, next);
          break;
        }
        case 'Macro':
        case 'Caller':
          // Macro arguments are whatever a caller passes: the package controls them.
          for (const a of children(v.args)) {
            if (isNode(a) && a.typename === 'KeywordArgs') for (const p of children(a)) bindTargets((p as Node).key, top(), next);
            else bindTargets(a, top(), next);
          }
          break;
        case 'Import':
          bindTargets(v.target, top(), next);
          break;
        case 'FromImport':
          for (const nm of children(v.names)) bindTargets(isNode(nm) && nm.typename === 'Pair' ? nm.value : nm, top(), next);
          break;
      }
      for (const fld of v.fields) visit(v[fld]);
      if (v.typename === 'Set' && v.body) visit(v.body);
    };
    visit(root);
    // Without {% set %} a binding never depends on a later one: one pass is the fixpoint.
    if (!assigns) return next;
    const same = next.size === env.size && [...next].every(([k, vs]) => JSON.stringify(vs.map(String)) === JSON.stringify((env.get(k) ?? []).map(String)));
    env = next;
    if (same) return env;
  }
  for (const k of env.keys()) env.set(k, top());
  return env;
}

/**
 * Folds a whole template (a `to:` value) to the strings it can render: text is kept, every
 * expression folded, both sides of an if taken. Loops and calls in a path are TOP.
 */
export function renderFold(root: unknown, env: Env, defaults: Record<string, unknown>): Vals {
  if (Array.isArray(root)) return concat(...root.map((r) => renderFold(r, env, defaults)));
  if (!isNode(root)) return [''];
  switch (root.typename) {
    case 'Root':
    case 'NodeList':
    case 'Capture':
      return concat(...(isNode(root.body) ? [renderFold(root.body, env, defaults)] : children(root).map((c) => renderFold(c, env, defaults))));
    case 'TemplateData':
      return [String(root.value ?? '')];
    case 'Output':
      return concat(...children(root).map((c) => (isNode(c) && c.typename === 'TemplateData' ? [String(c.value ?? '')] : texts(foldExpr(c, env, defaults)))));
    case 'If':
    case 'IfAsync':
      return union(renderFold(root.body, env, defaults), root.else_ ? renderFold(root.else_, env, defaults) : ['']);
    case 'Set':
    case 'Macro':
    case 'Import':
    case 'FromImport':
      return [''];
    default:
      return top();
  }
}

/** Parses and folds a nunjucks `to:`-style value; null when it does not parse. */
export function foldNunjucksTemplate(value: string, defaults: Record<string, unknown>): { values: Vals; variables: Set<string> } | null {
  let root: Node;
  try {
    root = parser.parse(value);
  } catch {
    return null;
  }
  const env = bindings(root, defaults);
  const variables = new Set<string>();
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(collect);
    if (!isNode(v)) return;
    if (v.typename === 'Symbol' && !env.has(String(v.value)) && !KNOWN_GLOBALS.has(String(v.value))) variables.add(String(v.value));
    if (v.typename === 'Filter') return collect(v.args);
    if (v.typename === 'LookupVal') return collect(v.target);
    for (const fld of v.fields) collect(v[fld]);
  };
  collect(root);
  return { values: renderFold(root, env, defaults), variables };
}

/**
 * Walks a template's AST for known sandbox escapes, unsafe includes and unknown filters, and
 * collects the variables it reads. Nothing is rendered. Macro default arguments and
 * `{% call(x=...) %}` arguments are expressions too, and are walked like any other.
 */
export function analyzeNunjucks(
  file: string,
  root: Node,
  bodyLine: number,
  findings: Findings,
  knownFilters: Set<string>,
  defaults: Record<string, unknown> = {},
  /** Where a position inside `root` sits in the file (for values embedded in frontmatter). */
  position?: (n: Node) => { line: number; column: number },
): NunjucksUse {
  try {
    return analyzeTree(file, root, bodyLine, findings, knownFilters, defaults, position);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    findings.add('syntax/nunjucks', 'the template nests expressions too deeply to be analysed', { file, line: bodyLine });
    return { variables: new Set() };
  }
}

function analyzeTree(
  file: string,
  root: Node,
  bodyLine: number,
  findings: Findings,
  knownFilters: Set<string>,
  defaults: Record<string, unknown>,
  position?: (n: Node) => { line: number; column: number },
): NunjucksUse {
  const used = new Set<string>();
  const env = bindings(root, defaults);
  const at = (n: Node) => ({ file, ...(position ? position(n) : { line: bodyLine + n.lineno, column: n.colno + 1 }) });

  const checkTemplatePath = (n: Node, what: string) => {
    const t = n.template;
    if (!isNode(t) || t.typename !== 'Literal' || typeof t.value !== 'string') {
      findings.add('nunjucks/dynamic-include', `${what} takes a computed path`, at(n));
      return;
    }
    const p = t.value;
    if (p.startsWith('/') || p.startsWith('~') || p.split(/[\\/]/).includes('..') || /^[A-Za-z]:/.test(p) || p.includes('\\'))
      findings.add('nunjucks/include-escapes', `${what} "${p}" points outside the package`, at(n));
  };

  const walkArgs = (args: unknown) => {
    for (const a of children(args)) {
      if (isNode(a) && a.typename === 'KeywordArgs') for (const p of children(a)) walk((p as Node).value);
      else if (!(isNode(a) && a.typename === 'Symbol')) walk(a);
    }
  };

  const dangerousArgs = (n: Node, args: unknown[]) => {
    for (const a of args) {
      const values = isNode(a) && a.typename === 'KeywordArgs' ? children(a).map((p) => (p as Node).value) : [a];
      for (const v of values) {
        const verdict = judgeKey(foldExpr(v, env, defaults));
        if (verdict.kind === 'dangerous')
          findings.add('nunjucks/unsafe-member', `the template passes "${verdict.name}" to a filter or function, which can look it up`, at(n));
      }
    }
  };

  const walk = (v: unknown): void => {
    if (findings.outOfTime()) return;
    if (Array.isArray(v)) return v.forEach(walk);
    if (!isNode(v)) return;
    const n = v;
    switch (n.typename) {
      case 'Symbol': {
        const name = String(n.value);
        if (UNSAFE_GLOBALS.has(name)) findings.add('nunjucks/unsafe-global', `the template reads "${name}"`, at(n));
        used.add(name);
        return;
      }
      case 'LookupVal': {
        const key = n.val;
        if (isNode(key) && key.typename === 'Literal') {
          if (UNSAFE_MEMBERS.has(String(key.value))) findings.add('nunjucks/unsafe-member', `the template looks up ".${String(key.value)}"`, at(n));
        } else {
          const verdict = judgeKey(foldExpr(key, env, defaults));
          if (verdict.kind === 'dangerous') findings.add('nunjucks/unsafe-member', `the template looks up "${verdict.name}" through a computed key`, at(n));
          else if (verdict.kind === 'unknown')
            findings.add('nunjucks/computed-member', 'the template looks up a member with a computed key that may spell a dangerous name', at(n));
          walk(key);
        }
        return walk(n.target);
      }
      case 'FunCall': {
        if (isNode(n.name) && n.name.typename === 'FunCall') findings.add('nunjucks/call-result-call', 'the template calls the result of a call', at(n));
        dangerousArgs(n, children(n.args));
        walk(n.name);
        return walk(n.args);
      }
      case 'Filter':
      case 'FilterAsync': {
        const name = isNode(n.name) ? String(n.name.value) : '';
        if (!knownFilters.has(name) && !name.startsWith('fake'))
          findings.add('nunjucks/unknown-filter', `the filter "${name}" is neither an Unjucks nor a Nunjucks built-in, nor declared by the package`, at(n));
        // Attribute filters look names up: {{ [x] | map(attribute='constructor') }} is x.constructor.
        dangerousArgs(n, children(n.args).slice(1));
        return walk(n.args);
      }
      case 'Include':
        checkTemplatePath(n, 'include');
        return;
      case 'Import':
        checkTemplatePath(n, 'import');
        return;
      case 'FromImport':
        checkTemplatePath(n, 'from ... import');
        return;
      case 'Extends':
        return checkTemplatePath(n, 'extends');
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll':
        walk(n.arr);
        walk(n.body);
        return walk(n.else_);
      case 'Set':
        walk(n.value);
        return walk(n.body);
      case 'Macro':
      case 'Caller':
        walkArgs(n.args);
        return walk(n.body);
      case 'KeywordArgs':
        for (const p of children(n)) walk((p as Node).value);
        return;
      default:
        for (const f of n.fields) walk(n[f]);
    }
  };
  walk(root);
  const variables = new Set([...used].filter((v) => !env.has(v) && !KNOWN_GLOBALS.has(v) && !UNSAFE_GLOBALS.has(v) && !v.startsWith('fake')));
  return { variables };
}
