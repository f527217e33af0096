/**
 * EJS analysed as the JavaScript it is. EJS compiles a template into one function body: every
 * `<% %>` scriptlet is pasted in as statements and every `<%= %>` / `<%- %>` tag becomes an
 * `__append(expr)` call. This module rebuilds that program (with a map back to the template's
 * positions), parses it with acorn and walks it. Locals, `h.*` helpers, literals, operators,
 * template strings and plain string/array methods are ordinary template code; the known ways out
 * of the template (process, require, constructor, import(), this...) are errors; anything else it
 * cannot prove harmless is reported as needing the `template-code` capability. Nothing is run.
 */
import { parse, type Options } from 'acorn';
import type { Findings } from './findings.js';
import {
  ARRAY_METHODS,
  callPath,
  concat,
  DANGEROUS_KEYS,
  Obj,
  input,
  INPUT_MARK,
  isTop,
  judgeKey,
  lift,
  LOOP_MARK,
  loopItem,
  STRING_METHODS,
  texts,
  top,
  TOP,
  union,
  type Val,
  type Vals,
} from './fold.js';
import { fromData } from './nunjucks-ast.js';

interface N {
  type: string;
  start: number;
  end: number;
  [k: string]: unknown;
}
const isN = (v: unknown): v is N => typeof v === 'object' && v !== null && typeof (v as N).type === 'string';

const ACORN: Options = { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true, preserveParens: true };

export interface EjsPiece {
  kind: 'text' | 'code' | 'output';
  /** Offset of the piece's content in the template. */
  at: number;
  text: string;
}

/** Splits a template into text, scriptlets and output tags, as EJS's scanner does. */
export function ejsPieces(source: string): { pieces: EjsPiece[]; error?: { at: number; message: string } } {
  const pieces: EjsPiece[] = [];
  const re = /<%%|%%>|<%=|<%-|<%_|<%#|<%|%>|-%>|_%>/g;
  let mode: 'text' | 'code' | 'output' | 'comment' = 'text';
  let last = 0;
  let open = 0;
  let text = '';
  let textAt = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const tok = m[0];
    if (mode === 'text') {
      if (tok === '<%%' || tok === '%%>') continue;
      if (tok === '%>' || tok === '-%>' || tok === '_%>') continue;
      text += source.slice(last, m.index);
      if (text) pieces.push({ kind: 'text', at: textAt, text });
      text = '';
      mode = tok === '<%=' || tok === '<%-' ? 'output' : tok === '<%#' ? 'comment' : 'code';
      open = m.index;
      last = m.index + tok.length;
    } else {
      if (tok === '%>' || tok === '-%>' || tok === '_%>') {
        if (mode !== 'comment') pieces.push({ kind: mode, at: last, text: source.slice(last, m.index) });
        mode = 'text';
        last = m.index + tok.length;
        textAt = last;
      } else if (tok.startsWith('<%') && tok !== '<%%')
        return { pieces, error: { at: m.index, message: `could not find the closing tag of the EJS tag opened before this one` } };
    }
  }
  if (mode !== 'text') return { pieces, error: { at: open, message: 'could not find the closing %> of this EJS tag' } };
  text += source.slice(last);
  if (text) pieces.push({ kind: 'text', at: textAt, text });
  return { pieces };
}

/** The function body EJS would compile, with a map from its offsets back to the template's. */
function buildProgram(pieces: EjsPiece[]) {
  let program = '';
  const map: { p: number; s: number; len: number }[] = [];
  const outputs: number[] = [];
  for (const piece of pieces) {
    if (piece.kind === 'text') continue;
    if (piece.kind === 'code') {
      program += ';';
      map.push({ p: program.length, s: piece.at, len: piece.text.length });
      program += `${piece.text}\n`;
    } else {
      // EJS strips a trailing semicolon from output expressions.
      const expr = piece.text.replace(/;\s*$/, '');
      program += ';(';
      outputs.push(program.length - 1);
      map.push({ p: program.length, s: piece.at, len: expr.length });
      program += `${expr}\n);\n`;
    }
  }
  const toSource = (pos: number) => {
    let lo = 0;
    let hi = map.length - 1;
    let best = map[0];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (map[mid]!.p <= pos) {
        best = map[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best ? best.s + Math.min(Math.max(pos - best.p, 0), best.len) : 0;
  };
  return { program, toSource, outputs };
}

function lineStarts(source: string) {
  const starts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

// Names that leave the template for the runtime: always an error.
const UNSAFE_GLOBALS = new Set([
  'process',
  'require',
  'module',
  'exports',
  'global',
  'globalThis',
  'Function',
  'eval',
  'Reflect',
  'Proxy',
  'WebAssembly',
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'EventSource',
  'constructor',
  '__proto__',
  'Deno',
  'Bun',
  'importScripts',
  'self',
  'window',
  'AsyncFunction',
  'GeneratorFunction',
  '__dirname',
  '__filename',
  'mainModule',
]);
// Member names that lead from data to the runtime. `apply`/`call`/`bind` are ordinary in templates.
const UNSAFE_MEMBERS = new Set([...DANGEROUS_KEYS.filter((k) => k !== 'arguments'), 'binding', '_load', 'dlopen']);
// Globals that plain template code uses, and the members of them that are plain data functions.
const SAFE_GLOBALS: Record<string, Set<string> | 'any'> = {
  JSON: new Set(['stringify', 'parse']),
  Math: 'any',
  String: new Set(['fromCharCode', 'fromCodePoint', 'raw']),
  Number: new Set(['isInteger', 'isFinite', 'isNaN', 'parseInt', 'parseFloat', 'isSafeInteger', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'EPSILON']),
  Boolean: new Set(),
  Array: new Set(['isArray', 'from', 'of']),
  Object: new Set(['keys', 'values', 'entries', 'assign', 'fromEntries', 'freeze', 'hasOwn']),
  Date: new Set(['now', 'parse', 'UTC']),
  Map: new Set(),
  Set: new Set(),
  RegExp: new Set(),
  Intl: 'any',
  parseInt: 'any',
  parseFloat: 'any',
  isNaN: 'any',
  isFinite: 'any',
  encodeURIComponent: 'any',
  decodeURIComponent: 'any',
  encodeURI: 'any',
  decodeURI: 'any',
  undefined: 'any',
  NaN: 'any',
  Infinity: 'any',
  console: new Set(['log']),
};
const HYGEN_ABSOLUTE = new Set(['cwd', 'actionfolder', 'templates']);
// Names EJS and Hygen put in scope.
const TEMPLATE_SCOPE = new Set(['h', 'locals', 'include', '__append', '__output', 'escapeFn', 'rethrow']);
// Methods whose callback's first parameter is an item of the receiver (also callable: PLAIN_METHODS).
const CALLBACK_METHODS = new Set([
  'map',
  'filter',
  'forEach',
  'reduce',
  'reduceRight',
  'some',
  'every',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'flatMap',
  'sort',
  'toSorted',
]);
const PLAIN_METHODS = new Set([
  ...Object.keys(STRING_METHODS),
  ...Object.keys(ARRAY_METHODS),
  ...CALLBACK_METHODS,
  'includes',
  'indexOf',
  'lastIndexOf',
  'flat',
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'fill',
  'keys',
  'values',
  'entries',
  'startsWith',
  'endsWith',
  'match',
  'matchAll',
  'search',
  'localeCompare',
  'codePointAt',
  'charCodeAt',
  'toFixed',
  'toPrecision',
  'toLocaleString',
  'toISOString',
  'toJSON',
  'getTime',
  'getFullYear',
  'getMonth',
  'getDate',
  'getDay',
  'getHours',
  'getMinutes',
  'getSeconds',
  'toDateString',
  'toTimeString',
  'toUTCString',
  'has',
  'get',
  'set',
  'add',
  'delete',
  'hasOwnProperty',
  'test',
  'exec',
  'toReversed',
  'with',
  'isWellFormed',
]);

export interface EjsUse {
  variables: Set<string>;
  /** Why the code needs the template-code capability (file:line: reason), when it does. */
  unproven: string[];
}

type Where = (offset: number) => { line: number; column: number };

/** Every name the program declares, with the values assigned to it anywhere (flow-insensitive). */
function declarations(root: N, defaults: Record<string, unknown>): Map<string, Vals> {
  const env = new Map<string, Vals>();
  const add = (name: string, vals: Vals) => env.set(name, env.has(name) ? union(env.get(name)!, vals) : vals);
  const bindPattern = (p: unknown, vals: Vals) => {
    if (!isN(p)) return;
    if (p.type === 'Identifier') add(String(p.name), vals);
    else if (p.type === 'AssignmentPattern') bindPattern(p.left, union(vals, top()));
    else if (p.type === 'ArrayPattern') (p.elements as unknown[]).forEach((e) => bindPattern(e, top()));
    else if (p.type === 'ObjectPattern') (p.properties as N[]).forEach((pr) => bindPattern(pr.type === 'RestElement' ? pr.argument : pr.value, top()));
    else if (p.type === 'RestElement') bindPattern(p.argument, top());
  };
  for (let round = 0; round < 3; round++) {
    const visit = (v: unknown, parent?: N): void => {
      if (Array.isArray(v)) return v.forEach((x) => visit(x, parent));
      if (!isN(v)) return;
      switch (v.type) {
        case 'VariableDeclarator':
          bindPattern(v.id, v.init ? foldJs(v.init, env, defaults) : [undefined]);
          break;
        case 'AssignmentExpression':
          if (isN(v.left) && v.left.type === 'Identifier') bindPattern(v.left, v.operator === '=' ? foldJs(v.right, env, defaults) : top());
          break;
        case 'FunctionDeclaration':
        case 'FunctionExpression':
        case 'ArrowFunctionExpression': {
          if (isN(v.id)) add(String(v.id.name), top());
          // A callback's parameter is an item of the collection it walks; other parameters are whatever a caller passes.
          let paramVals = top();
          if (parent?.type === 'CallExpression' && isN(parent.callee) && parent.callee.type === 'MemberExpression' && !parent.callee.computed) {
            const method = String((parent.callee.property as N).name);
            if (CALLBACK_METHODS.has(method)) {
              const recv = foldJs(parent.callee.object, env, defaults);
              paramVals = itemsOf(recv);
            }
          }
          (v.params as N[]).forEach((p, i) => bindPattern(p, i === 0 ? paramVals : i === 1 ? paramVals.concat([0]) : top()));
          break;
        }
        case 'ForOfStatement':
        case 'ForInStatement': {
          const left = isN(v.left) && v.left.type === 'VariableDeclaration' ? (v.left.declarations as N[])[0]!.id : v.left;
          bindPattern(left, v.type === 'ForInStatement' ? loopItem() : itemsOf(foldJs(v.right, env, defaults)));
          break;
        }
        case 'CatchClause':
          bindPattern(v.param, top());
          break;
        case 'ClassDeclaration':
          if (isN(v.id)) add(String(v.id.name), top());
          break;
      }
      for (const k of Object.keys(v)) if (k !== 'type' && typeof v[k] === 'object') visit(v[k], v);
    };
    visit(root);
  }
  return env;
}

function itemsOf(arr: Vals): Vals {
  if (isTop(arr)) return top();
  const out: Vals[] = [];
  for (const a of arr) {
    if (Array.isArray(a)) out.push(a.length ? a : []);
    else out.push(loopItem());
  }
  return union(...out);
}

const jsText = (v: Val): string => (v === TOP ? '' : Array.isArray(v) ? v.map((x) => (x === null || x === undefined ? '' : jsText(x))).join(',') : String(v));

/** The possible values of a JavaScript expression in an EJS template; TOP where it cannot tell. */
export function foldJs(n: unknown, env: Map<string, Vals>, defaults: Record<string, unknown>): Vals {
  if (!isN(n)) return top();
  const f = (x: unknown) => foldJs(x, env, defaults);
  switch (n.type) {
    case 'Literal':
      return n.regex ? top() : [n.value as Val];
    case 'ParenthesizedExpression':
      return f(n.expression);
    case 'SequenceExpression':
      return f((n.expressions as N[]).at(-1));
    case 'TemplateLiteral': {
      const quasis = n.quasis as N[];
      const exprs = n.expressions as N[];
      const parts: Vals[] = [];
      quasis.forEach((q, i) => {
        parts.push([String((q.value as { cooked: string }).cooked ?? '')]);
        if (exprs[i]) parts.push(lift([f(exprs[i])], (v) => jsText(v)));
      });
      return concat(...parts);
    }
    case 'Identifier': {
      const name = String(n.name);
      if (name === 'undefined') return [undefined];
      if (env.has(name)) return env.get(name)!;
      // Hygen's own locals that hold absolute paths: h.path.join(cwd, '..') leaves the project.
      if (HYGEN_ABSOLUTE.has(name) && !Object.hasOwn(defaults, name)) return [`/${INPUT_MARK}`];
      if (Object.hasOwn(defaults, name)) return union(fromData(defaults[name]), input());
      return input();
    }
    case 'BinaryExpression':
      if (n.operator === '+') return lift([f(n.left), f(n.right)], (a, b) => (typeof a === 'number' && typeof b === 'number' ? a + b : jsText(a) + jsText(b)));
      return [0, true, false];
    case 'ConditionalExpression':
      return union(f(n.consequent), f(n.alternate));
    case 'LogicalExpression':
      return union(f(n.left), f(n.right));
    case 'UnaryExpression':
      return n.operator === 'void' ? [undefined] : [0, true, false];
    case 'ArrayExpression':
      return (n.elements as unknown[]).some((e) => isN(e) && e.type === 'SpreadElement') ? top() : lift((n.elements as N[]).map(f), (...a) => a);
    case 'MemberExpression': {
      const key = n.computed ? f(n.property) : [String((n.property as N).name)];
      // locals.x is the local x.
      if (isN(n.object) && n.object.type === 'Identifier' && n.object.name === 'locals' && !env.has('locals') && !n.computed)
        return f({ type: 'Identifier', name: String((n.property as N).name), start: n.start, end: n.end });
      const obj = f(n.object);
      return lift([obj, key], (o, k) => {
        if (o instanceof Obj) return o.get(k);
        if (o === INPUT_MARK || o === LOOP_MARK || (typeof o === 'string' && (o.includes(INPUT_MARK) || o.includes(LOOP_MARK))))
          return k === 'length' ? 0 : INPUT_MARK;
        if ((typeof o === 'string' || Array.isArray(o)) && k === 'length') return o.length;
        if (Array.isArray(o) && typeof k === 'number') return o[k];
        if (typeof o === 'string' && typeof k === 'number') return o.charAt(k);
        return TOP;
      });
    }
    case 'CallExpression': {
      const callee = n.callee as N;
      const args = (n.arguments as N[]).map(f);
      if (callee.type === 'MemberExpression' && !callee.computed) {
        const method = String((callee.property as N).name);
        const obj = callee.object as N;
        // h.path.join(...), h.path.resolve(...): the path module, on folded strings.
        if (
          obj.type === 'MemberExpression' &&
          !obj.computed &&
          isN(obj.object) &&
          obj.object.type === 'Identifier' &&
          obj.object.name === 'h' &&
          !env.has('h')
        ) {
          const ns = String((obj.property as N).name);
          if (ns === 'path') return callPath(method, args);
          return args[0] ?? input(); // h.changeCase.*, h.inflection.*: keep the text, the cautious choice for paths.
        }
        if (obj.type === 'Identifier' && obj.name === 'h' && !env.has('h')) return args[0] ?? input();
        const recv = f(obj);
        return lift([recv, ...args], (r, ...a) => {
          if (r === INPUT_MARK || r === LOOP_MARK) return INPUT_MARK;
          if (typeof r === 'string' && STRING_METHODS[method]) return STRING_METHODS[method]!(r, ...a);
          if (Array.isArray(r) && ARRAY_METHODS[method]) return ARRAY_METHODS[method]!(r, ...a);
          if (typeof r === 'string' && r.includes(INPUT_MARK)) return INPUT_MARK;
          return TOP;
        });
      }
      if (callee.type === 'Identifier' && callee.name === 'String') return args[0] ? lift([args[0]], (v) => jsText(v)) : [''];
      return top();
    }
    default:
      return top();
  }
}

/**
 * Analyses an EJS template (or one frontmatter value Hygen renders with EJS). Errors go to
 * `findings`; what cannot be proven harmless comes back in `unproven`.
 */
export function analyzeEjs(
  file: string,
  source: string,
  findings: Findings,
  defaults: Record<string, unknown>,
  /** Maps a (line, column) in `source` to the file's. */
  place: (line: number, column: number) => { line: number; column: number },
  /** A binary file that does not compile as EJS only fails to render: nothing in it runs. */
  syntaxSeverity: 'error' | 'warning' = 'error',
): EjsUse {
  const use: EjsUse = { variables: new Set(), unproven: [] };
  if (!source.includes('<%')) return use;
  const pos = lineStarts(source);
  const where: Where = (offset) => {
    const p = pos(offset);
    return place(p.line, p.column);
  };
  const { pieces, error } = ejsPieces(source);
  if (error) {
    findings.add('ejs/syntax', `EJS cannot compile this template: ${error.message}`, { file, ...where(error.at) }, syntaxSeverity);
    return use;
  }
  const { program, toSource } = buildProgram(pieces);
  let root: N;
  try {
    root = parse(program, ACORN) as unknown as N;
  } catch (e) {
    const err = e as Error & { pos?: number };
    findings.add(
      'ejs/syntax',
      `the JavaScript in this EJS template does not parse: ${err.message.replace(/\s*\(\d+:\d+\)$/, '')}`,
      { file, ...where(toSource(err.pos ?? 0)) },
      syntaxSeverity,
    );
    return use;
  }
  try {
    walkProgram(file, root, findings, defaults, use, where, toSource);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    findings.add('ejs/syntax', 'the EJS code nests expressions too deeply to be analysed', { file, ...where(0) });
  }
  return use;
}

function walkProgram(file: string, root: N, findings: Findings, defaults: Record<string, unknown>, use: EjsUse, where: Where, toSource: (p: number) => number) {
  const env = declarations(root, defaults);
  const at = (n: N) => ({ file, ...where(toSource(n.start)) });
  const unproven = (n: N, why: string) => {
    const w = at(n);
    use.unproven.push(`${file}:${w.line}: ${why}`);
  };

  const checkName = (n: N) => {
    const name = String(n.name);
    // Before the scope check: `process = process` binds the name and leaves it the real global.
    if (UNSAFE_GLOBALS.has(name)) return findings.add('ejs/unsafe-global', `the EJS code reads "${name}"`, at(n));
    if (env.has(name)) return;
    // EJS's include reads any file it is given: only a direct call with a literal path is checked.
    if (name === 'include') return unproven(n, 'uses include other than as include("literal path")');
    // arguments[2] is EJS's include function, under another name.
    if (name === 'arguments') return unproven(n, 'uses arguments');
    if (TEMPLATE_SCOPE.has(name) || Object.hasOwn(SAFE_GLOBALS, name)) return;
    if (name in globalThis) return unproven(n, `uses the global "${name}"`);
    use.variables.add(name);
  };

  const walk = (v: unknown, parent?: N): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, parent));
    if (!isN(v)) return;
    if (findings.outOfTime()) return;
    const n = v;
    switch (n.type) {
      case 'Identifier':
        return checkName(n);
      case 'ThisExpression':
        return findings.add('ejs/unsafe-global', 'the EJS code uses "this"', at(n));
      case 'ImportExpression':
        return findings.add('ejs/unsafe-global', 'the EJS code calls import()', at(n));
      case 'MetaProperty':
        return findings.add('ejs/unsafe-global', `the EJS code uses ${String((n.meta as N).name)}.${String((n.property as N).name)}`, at(n));
      case 'WithStatement':
        unproven(n, 'uses a with statement');
        break;
      case 'MemberExpression': {
        if (n.computed) {
          const verdict = judgeKey(foldJs(n.property, env, defaults));
          if (verdict.kind === 'dangerous') findings.add('ejs/unsafe-member', `the EJS code looks up "${verdict.name}" through a computed key`, at(n));
          else if (verdict.kind === 'unknown') unproven(n, 'looks up a member with a computed key');
          walk(n.property, n);
        } else {
          const name = String((n.property as N).name);
          if (UNSAFE_MEMBERS.has(name)) findings.add('ejs/unsafe-member', `the EJS code looks up ".${name}"`, at(n));
          const obj = n.object as N;
          if (obj.type === 'Identifier' && !env.has(String(obj.name))) {
            const allowed = SAFE_GLOBALS[String(obj.name)];
            if (allowed && allowed !== 'any' && !allowed.has(name)) unproven(n, `uses ${String(obj.name)}.${name}`);
          }
        }
        return walk(n.object, n);
      }
      case 'CallExpression':
      case 'NewExpression': {
        const callee = n.callee as N;
        if (callee.type === 'Identifier' && callee.name === 'include' && !env.has('include')) {
          const arg = (n.arguments as N[])[0];
          if (arg?.type !== 'Literal' || typeof arg.value !== 'string') unproven(n, 'includes a computed path');
          else if (/^([/\\~]|[A-Za-z]:)/.test(arg.value) || arg.value.split(/[\\/]/).includes('..'))
            findings.add('ejs/include-escapes', `include("${arg.value}") points outside the package`, at(n));
          return walk(n.arguments, n);
        } else if (callee.type === 'MemberExpression' && !callee.computed) {
          const method = String((callee.property as N).name);
          const root = rootName(callee);
          if (root !== 'h' && !PLAIN_METHODS.has(method) && !(root && Object.hasOwn(SAFE_GLOBALS, root) && !env.has(root))) unproven(n, `calls .${method}()`);
        } else if (callee.type === 'Identifier') {
          const name = String(callee.name);
          const declaredFn = env.has(name);
          if (!declaredFn && !Object.hasOwn(SAFE_GLOBALS, name) && !UNSAFE_GLOBALS.has(name) && name !== 'include') unproven(n, `calls ${name}()`);
        } else if (
          callee.type !== 'MemberExpression' &&
          callee.type !== 'FunctionExpression' &&
          callee.type !== 'ArrowFunctionExpression' &&
          callee.type !== 'ParenthesizedExpression'
        )
          unproven(n, 'calls the result of an expression');
        // A dangerous name passed as an argument reaches the runtime the same way a lookup does
        // (Object.getOwnPropertyDescriptor(x, 'constructor')).
        for (const a of n.arguments as N[]) {
          const verdict = judgeKey(foldJs(a, env, defaults));
          if (verdict.kind === 'dangerous') findings.add('ejs/unsafe-member', `the EJS code passes "${verdict.name}" to a function`, at(a));
        }
        walk(n.callee, n);
        return walk(n.arguments, n);
      }
      case 'AssignmentExpression':
      case 'UpdateExpression':
      case 'UnaryExpression': {
        // Changing a global (JSON.parse = ..., delete Math.max) changes the generator that runs the template.
        const target = (n.type === 'AssignmentExpression' ? n.left : n.argument) as N;
        if ((n.type !== 'UnaryExpression' || n.operator === 'delete') && isN(target) && target.type === 'MemberExpression') {
          const root = rootName(target);
          if (root && !env.has(root) && (Object.hasOwn(SAFE_GLOBALS, root) || root in globalThis)) unproven(n, `changes the global ${root}`);
        }
        break;
      }
      case 'TaggedTemplateExpression':
        unproven(n, 'calls a template tag');
        break;
      case 'Property':
      case 'PropertyDefinition':
      case 'MethodDefinition':
        // Destructuring reads the key: const { constructor: c } = x is x.constructor.
        if (parent?.type === 'ObjectPattern') {
          const verdict = n.computed ? judgeKey(foldJs(n.key, env, defaults)) : judgeKey([String((n.key as N).name ?? (n.key as N).value)]);
          if (verdict.kind === 'dangerous') findings.add('ejs/unsafe-member', `the EJS code reads "${verdict.name}" by destructuring`, at(n));
          else if (verdict.kind === 'unknown' && n.computed) unproven(n, 'destructures a computed key');
        }
        if (n.computed) walk(n.key, n);
        return walk(n.value, n);
      case 'LabeledStatement':
        return walk(n.body, n);
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
    }
    for (const k of Object.keys(n)) if (k !== 'type' && typeof n[k] === 'object') walk(n[k], n);
  };
  walk(root);
}

function rootName(n: N): string | null {
  let x: N = n;
  while (x.type === 'MemberExpression' || x.type === 'CallExpression' || x.type === 'ParenthesizedExpression')
    x = (x.type === 'MemberExpression' ? x.object : x.type === 'CallExpression' ? x.callee : x.expression) as N;
  return x.type === 'Identifier' ? String(x.name) : null;
}

/**
 * Folds an EJS-rendered value (a `to:` line in Hygen) to the strings it can produce. Scriptlets
 * that declare values are followed; control flow in a path is TOP. Null when it does not compile.
 */
export function foldEjsTemplate(value: string, defaults: Record<string, unknown>): { values: Vals; variables: Set<string> } | null {
  if (!value.includes('<%')) return { values: [value], variables: new Set() };
  const { pieces, error } = ejsPieces(value);
  if (error) return null;
  let env = new Map<string, Vals>();
  const variables = new Set<string>();
  if (pieces.some((p) => p.kind === 'code')) {
    const { program } = buildProgram(pieces);
    let root: N;
    try {
      root = parse(program, ACORN) as unknown as N;
    } catch {
      return null;
    }
    const control = /^(If|For|ForIn|ForOf|While|DoWhile|Switch|Try|Block|Function|Labeled|Return|Throw|With)/;
    if ((root.body as N[]).some((s) => control.test(s.type))) return { values: top(), variables };
    env = declarations(root, defaults);
  }
  const parts: Vals[] = [];
  for (const p of pieces) {
    if (p.kind === 'text') parts.push([p.text]);
    else if (p.kind === 'output') {
      let expr: N;
      try {
        expr = ((parse(`(${p.text.replace(/;\s*$/, '')}\n)`, ACORN) as unknown as N).body as N[])[0]!.expression as N;
      } catch {
        return null;
      }
      collectNames(expr, env, variables);
      parts.push(texts(foldJs(expr, env, defaults).map((v) => (v === null || v === undefined ? '' : v))));
    }
  }
  return { values: concat(...parts), variables };
}

function collectNames(n: unknown, env: Map<string, Vals>, out: Set<string>) {
  if (Array.isArray(n)) return n.forEach((x) => collectNames(x, env, out));
  if (!isN(n)) return;
  if (n.type === 'Identifier' && !env.has(String(n.name)) && !TEMPLATE_SCOPE.has(String(n.name)) && !(String(n.name) in globalThis)) out.add(String(n.name));
  if (n.type === 'MemberExpression') {
    collectNames(n.object, env, out);
    if (n.computed) collectNames(n.property, env, out);
    return;
  }
  for (const k of Object.keys(n)) if (k !== 'type' && typeof n[k] === 'object') collectNames(n[k], env, out);
}
