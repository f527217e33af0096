import nunjucks from 'nunjucks';
import type { Findings } from './findings.js';
import { KNOWN_GLOBALS } from './tools.js';

/** The parts of nunjucks' AST nodes this module reads (nunjucks/src/nodes.js). */
interface Node {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  value?: unknown;
  [field: string]: unknown;
}

const parser = (nunjucks as unknown as { parser: { parse(src: string): Node } }).parser;

// Lookups that walk out of the data a template was given, into JavaScript's runtime.
const UNSAFE_MEMBERS = new Set([
  'constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
  'process', 'require', 'global', 'globalThis', 'Function', 'eval', 'mainModule',
]);
const UNSAFE_GLOBALS = new Set(['process', 'require', 'global', 'globalThis', 'module', 'Function', 'eval', 'constructor']);


const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).typename === 'string';

export interface NunjucksUse {
  /** Names the template reads that it does not define itself. */
  variables: Set<string>;
}

/** Parses nunjucks source into its AST, reporting a syntax error at its position. */
export function parseNunjucks(file: string, source: string, bodyLine: number, findings: Findings): Node | null {
  try {
    return parser.parse(source);
  } catch (e) {
    const err = e as Error & { lineno?: number; colno?: number };
    const message = err.message.replace(/^\s*\(unknown path\)\s*/, '').replace(/\s*\[Line \d+, Column \d+\]\s*/, '').trim();
    const line = err.lineno !== undefined ? bodyLine + err.lineno - 1 : bodyLine + source.split('\n').length - 1;
    findings.add('syntax/nunjucks', `nunjucks cannot parse this template: ${message}`, { file, line, column: err.colno ?? 1 });
    return null;
  }
}

/**
 * Walks a template's AST for known sandbox escapes, unsafe includes and unknown filters, and
 * collects the variables it reads. Nothing is rendered.
 */
export function analyzeNunjucks(file: string, root: Node, bodyLine: number, findings: Findings, knownFilters: Set<string>): NunjucksUse {
  const used = new Set<string>();
  const bound = new Set<string>();
  const at = (n: Node) => ({ file, line: bodyLine + n.lineno, column: n.colno + 1 });

  const bind = (n: unknown) => {
    if (isNode(n) && n.typename === 'Symbol') bound.add(String(n.value));
    else if (isNode(n)) for (const f of n.fields) bindAll(n[f]);
  };
  const bindAll = (v: unknown) => (Array.isArray(v) ? v.forEach(bind) : bind(v));

  const checkTemplatePath = (n: Node, what: string) => {
    const t = n.template;
    if (!isNode(t) || t.typename !== 'Literal' || typeof t.value !== 'string') {
      findings.add('nunjucks/dynamic-include', `${what} takes a computed path`, at(n));
      return;
    }
    const p = t.value;
    if (p.startsWith('/') || p.startsWith('~') || p.split(/[\\/]/).includes('..') || /^[A-Za-z]:/.test(p))
      findings.add('nunjucks/include-escapes', `${what} "${p}" points outside the package`, at(n));
  };

  const walk = (v: unknown): void => {
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
          findings.add('nunjucks/computed-member', 'the template looks up a member with a computed key', at(n));
          walk(key);
        }
        return walk(n.target);
      }
      case 'FunCall': {
        if (isNode(n.name) && n.name.typename === 'FunCall') findings.add('nunjucks/call-result-call', 'the template calls the result of a call', at(n));
        walk(n.name);
        return walk(n.args);
      }
      case 'Filter':
      case 'FilterAsync': {
        const name = isNode(n.name) ? String(n.name.value) : '';
        if (!knownFilters.has(name) && !name.startsWith('fake'))
          findings.add('nunjucks/unknown-filter', `the filter "${name}" is neither an Unjucks nor a Nunjucks built-in, nor declared by the package`, at(n));
        return walk(n.args);
      }
      case 'Include':
        checkTemplatePath(n, 'include');
        return;
      case 'Import':
        checkTemplatePath(n, 'import');
        return bind(n.target);
      case 'FromImport':
        checkTemplatePath(n, 'from ... import');
        return bindAll(n.names);
      case 'Extends':
        return checkTemplatePath(n, 'extends');
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll':
        bind(n.name);
        walk(n.arr);
        walk(n.body);
        return walk(n.else_);
      case 'Set':
        bindAll(n.targets);
        walk(n.value);
        return walk(n.body);
      case 'Macro':
      case 'Caller':
        bind(n.name);
        bindAll(n.args);
        return walk(n.body);
      default:
        for (const f of n.fields) walk(n[f]);
    }
  };
  walk(root);
  const variables = new Set([...used].filter((v) => !bound.has(v) && !KNOWN_GLOBALS.has(v) && !UNSAFE_GLOBALS.has(v) && !v.startsWith('fake')));
  return { variables };
}

/**
 * Renders a nunjucks expression string (a `to:` value) with probe values and no engine: literal
 * text and string literals are kept, every other expression becomes "probe". Null when it does
 * not parse.
 */
export function probeRenderNunjucks(value: string): { text: string; variables: Set<string> } | null {
  let root: Node;
  try {
    root = parser.parse(value);
  } catch {
    return null;
  }
  const variables = new Set<string>();
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(collect);
    if (!isNode(v)) return;
    if (v.typename === 'Symbol') variables.add(String(v.value));
    if (v.typename === 'Filter' || v.typename === 'FunCall') return collect(v.args);
    for (const f of v.fields) collect(v[f]);
  };
  const render = (v: unknown): string => {
    if (Array.isArray(v)) return v.map(render).join('');
    if (!isNode(v)) return '';
    switch (v.typename) {
      case 'TemplateData':
        return String(v.value ?? '');
      case 'Output':
        return (v.children as unknown[]).map((c) => (isNode(c) && c.typename === 'TemplateData' ? render(c) : expr(c))).join('');
      case 'If':
      case 'IfAsync':
        collect(v.cond);
        return render(v.body);
      default:
        return v.fields.map((f) => render(v[f])).join('');
    }
  };
  const expr = (v: unknown): string => {
    collect(v);
    if (isNode(v) && v.typename === 'Literal') return String(v.value ?? '');
    // A filter over a literal keeps the literal: {{ "../x" | lower }} still escapes.
    if (isNode(v) && v.typename === 'Filter') {
      const args = (v.args as Node | undefined)?.children as unknown[] | undefined;
      if (args?.[0] && isNode(args[0]) && args[0].typename === 'Literal') return String(args[0].value ?? '');
    }
    return 'probe';
  };
  return { text: render(root), variables };
}
