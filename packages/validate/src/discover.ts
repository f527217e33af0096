/**
 * Finds templates the way Unjucks and Hygen do (the rules and their sources are in DISCOVERY.md):
 * which files each tool renders and with which engine, which files are hooks the tools run, and
 * which are metadata or documentation. Also reads what the metadata, the prompt files and the
 * manifest say about each template. Nothing here renders or runs package code.
 */
import { parse as parseJs } from 'acorn';
import nunjucks from 'nunjucks';
import { parseDocument } from 'yaml';
import { TEMPLATES_DIR, type Manifest, type PackageFile, type TemplateSummary, type VariableSchema, type VariableSummary } from '@unjucks/core';
import type { Engine } from './check-file.js';
import {
  DOC_FILE,
  EJS_TAG,
  HYGEN_HOOK_FILES,
  HYGEN_IGNORED_SUFFIXES,
  HYGEN_LOCALS,
  METADATA_FILES,
  NUNJUCKS_EXT,
  UNJUCKS_EJS_NAME,
  UNJUCKS_TEMPLATE_EXT,
} from './tools.js';

export type Tool = 'unjucks' | 'hygen';
export type FileRole = 'template' | 'metadata' | 'doc' | 'hook';

/**
 * When Unjucks renders a file with Nunjucks: `always` (.njk and kin), `parses` (.ejs in Unjucks
 * 2025.9: a body Nunjucks cannot parse fails before anything runs), `parses-without-ejs` (any other
 * file in an Unjucks 1.x template folder whose body has no EJS tag), or `never`.
 */
export type NunjucksWhen = 'always' | 'parses' | 'parses-without-ejs' | 'never';

export interface DiscoveredFile {
  /** Path below package/. */
  path: string;
  /** The text as the tools read it: UTF-8, a leading BOM removed. */
  text: string;
  role: FileRole;
  /** Hygen renders it with EJS (it sits in an action folder and Hygen does not skip its name). */
  hygen: boolean;
  nunjucks: NunjucksWhen;
  /**
   * Where Unjucks writes the file when its frontmatter has no `to:` (1.x keeps the folders below the
   * template, 2025.9 the name without its engine extension; this is both), or undefined when
   * Unjucks does not write it. Unjucks 1.x renders such a file's frontmatter values with Nunjucks.
   */
  unjucksOutput?: string;
  /** Key (`generator/template`) of the template it belongs to, if any. */
  template: string | null;
}

export interface DiscoveredTemplate {
  key: string;
  generator: string;
  template: string;
  layout: 'folder' | 'file';
  /** The template's folder, or its single file, below package/. */
  root: string;
  /** Files that render output (role template), sorted. */
  files: string[];
  hooks: string[];
  docs: string[];
  metadata: string[];
  description?: string;
  /** Variables from metadata files and prompt files, by name. */
  variables: Map<string, VariableSummary>;
}

export interface Discovery {
  files: DiscoveredFile[];
  templates: Map<string, DiscoveredTemplate>;
  /** Generator path → what its own metadata and docs say. */
  generators: Map<string, { description?: string }>;
  /** Files a tool runs as JavaScript. */
  hooks: { file: string; detail: string }[];
  /** Metadata files that could not be read (their content is ignored). */
  problems: { file: string; message: string; line?: number }[];
}

const MAX_META_BYTES = 64 * 1024;
const MAX_PROMPT_BYTES = 256 * 1024;
const TEMPLATE_SUFFIX = /(\.(njk|nunjucks|hbs|handlebars|ejs))$/;
const NUNJUCKS_MARKUP = /\{[{%#]/;
/** What Unjucks strips from a file name when it writes the file (2025.9: .njk .ejs .hbs; 1.x: .ejs.t). */
const ENGINE_EXT = /\.(njk|nunjucks|hbs|handlebars|ejs\.t|ejs)$/;

const decode = (bytes: Buffer) => {
  const text = bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
};
const isHygenIgnored = (path: string) => HYGEN_IGNORED_SUFFIXES.some((s) => path.endsWith(s));

interface Dir {
  files: string[];
  dirs: Set<string>;
}

/** Discovers the templates of a package. */
export function discover(files: PackageFile[]): Discovery {
  const prefix = `${TEMPLATES_DIR}/`;
  const byPath = new Map(files.map((f) => [f.path, f]));
  const dirs = new Map<string, Dir>();
  const dirOf = (rel: string) => {
    let d = dirs.get(rel);
    if (!d) dirs.set(rel, (d = { files: [], dirs: new Set() }));
    return d;
  };
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const parts = f.path.slice(prefix.length).split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      const parent = parts.slice(0, i).join('/');
      dirOf(parent).dirs.add(parts[i]!);
      dirOf(parts.slice(0, i + 1).join('/'));
    }
    dirOf(parts.slice(0, -1).join('/')).files.push(parts[parts.length - 1]!);
  }

  const result: Discovery = { files: [], templates: new Map(), generators: new Map(), hooks: [], problems: [] };
  const folderUnits = new Map<string, string>(); // rel folder → template key
  const fileUnits = new Map<string, string>(); // rel file → template key
  const generatorFiles = new Map<string, { metadata: string[]; docs: string[] }>();

  const addTemplate = (generator: string, template: string, layout: 'folder' | 'file', rel: string) => {
    const key = `${generator}/${template}`;
    if (result.templates.has(key)) return key; // a folder and a single file of one name: the folder wins, as in Unjucks
    result.templates.set(key, {
      key,
      generator,
      template,
      layout,
      root: prefix + rel,
      files: [],
      hooks: [],
      docs: [],
      metadata: [],
      variables: new Map(),
    });
    return key;
  };

  // Only Unjucks templates below a folder, none of them Hygen's, and no file of its own: a nested generator.
  const isNestedGenerator = (rel: string): boolean => {
    const d = dirs.get(rel)!;
    if (d.dirs.size === 0) return false;
    if (d.files.some((n) => !METADATA_FILES.has(n) && !DOC_FILE.test(n))) return false;
    let unjucks = 0;
    let other = 0;
    const stack = [rel];
    while (stack.length) {
      const cur = stack.pop()!;
      const cd = dirs.get(cur)!;
      for (const n of cd.files) {
        if (METADATA_FILES.has(n) || DOC_FILE.test(n)) continue;
        if (NUNJUCKS_EXT.test(n)) unjucks++;
        else other++;
      }
      for (const s of cd.dirs) stack.push(`${cur}/${s}`);
    }
    return unjucks > 0 && other === 0;
  };

  const visitGenerator = (gen: string) => {
    const d = dirs.get(gen)!;
    const own = { metadata: [] as string[], docs: [] as string[] };
    generatorFiles.set(gen, own);
    for (const name of d.files) {
      const rel = `${gen}/${name}`;
      if (METADATA_FILES.has(name)) own.metadata.push(prefix + rel);
      else if (DOC_FILE.test(name)) own.docs.push(prefix + rel);
      else if (UNJUCKS_TEMPLATE_EXT.test(name)) fileUnits.set(rel, `${gen}/${singleFileName(name)}`);
    }
    for (const sub of [...d.dirs].sort()) {
      const rel = `${gen}/${sub}`;
      if (isNestedGenerator(rel)) visitGenerator(rel);
      else folderUnits.set(rel, addTemplate(gen, sub, 'folder', rel));
    }
    for (const [rel, key] of fileUnits)
      if (rel.slice(0, rel.lastIndexOf('/')) === gen) {
        const template = key.slice(gen.length + 1);
        fileUnits.set(rel, addTemplate(gen, template, 'file', rel));
      }
  };
  for (const g of [...(dirs.get('')?.dirs ?? [])].sort()) visitGenerator(g);

  const unitFor = (rel: string): string | null => {
    if (fileUnits.has(rel)) return fileUnits.get(rel)!;
    const parts = rel.split('/');
    for (let i = parts.length - 1; i >= 2; i--) {
      const key = folderUnits.get(parts.slice(0, i).join('/'));
      if (key) return key;
    }
    return null;
  };

  const hygenIgnores = hygenIgnoreMatcher(files);
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!f.path.startsWith(prefix)) continue;
    const rel = f.path.slice(prefix.length);
    const parts = rel.split('/');
    const name = parts[parts.length - 1]!;
    const key = unitFor(rel);
    const unit = key ? result.templates.get(key)! : null;
    // Hygen renders what is below _templates/<generator>/<action>/, except the names it skips.
    const hygen = parts.length >= 3 && !isHygenIgnored(f.path);
    const actionRoot = parts.length === 3;
    if (actionRoot && HYGEN_HOOK_FILES.includes(name)) {
      result.hooks.push({ file: f.path, detail: `${name} is JavaScript that Hygen runs before rendering ${parts[0]}/${parts[1]}` });
      unit?.hooks.push(f.path);
    }
    let nj: NunjucksWhen = 'never';
    if (unit?.layout === 'file') nj = NUNJUCKS_EXT.test(name) ? 'always' : 'parses';
    else if (unit) nj = NUNJUCKS_EXT.test(name) ? 'always' : name.endsWith('.ejs') ? 'parses' : UNJUCKS_EJS_NAME.test(name) ? 'never' : 'parses-without-ejs';
    const underRoot = unit !== null && f.path.startsWith(`${unit.root}/`);
    const unjucksOutput = !unit ? undefined : (underRoot ? f.path.slice(unit.root.length + 1) : name).replace(ENGINE_EXT, '');
    if (!hygen && !unjucksOutput) continue;

    const atUnitRoot = unit !== null && unit.layout === 'folder' && `${prefix}${rel}` === `${unit.root}/${name}`;
    const role: FileRole =
      actionRoot && HYGEN_HOOK_FILES.includes(name)
        ? 'hook'
        : atUnitRoot && METADATA_FILES.has(name)
          ? 'metadata'
          : atUnitRoot && DOC_FILE.test(name) && !writesOutput(f.bytes)
            ? 'doc'
            : 'template';
    if (unit) {
      // Listed as the template's files: what a tool writes out, not its ignore files or what .hygenignore names.
      if (role === 'template' && !isHygenIgnored(f.path) && !hygenIgnores(f.path)) unit.files.push(f.path);
      else if (role === 'metadata') unit.metadata.push(f.path);
      else if (role === 'doc') unit.docs.push(f.path);
    }
    result.files.push({ path: f.path, text: decode(f.bytes), role, hygen, nunjucks: nj, unjucksOutput, template: key });
  }
  // A folder without a file that renders output is not a template (Unjucks lists only folders with files).
  for (const [key, t] of result.templates) if (t.files.length === 0) result.templates.delete(key);
  for (const f of result.files) if (f.template && !result.templates.has(f.template)) f.template = null;

  // Metadata, docs and prompt files.
  const text = (path: string) => decode(byPath.get(path)!.bytes);
  for (const [gen, own] of generatorFiles) {
    const info: { description?: string } = {};
    for (const path of own.metadata) {
      const meta = readMeta(path, text(path), result.problems);
      if (!meta) continue;
      info.description ??= str(meta.description);
      // config.yml: templates: [{ name, description, prompts | variables }]
      if (Array.isArray(meta.templates))
        for (const entry of meta.templates) {
          if (!isObject(entry) || typeof entry.name !== 'string') continue;
          const t = result.templates.get(`${gen}/${entry.name}`);
          if (!t) continue;
          t.description ??= str(entry.description);
          for (const v of metaVariables(entry)) if (!t.variables.has(v.name)) t.variables.set(v.name, v);
        }
    }
    for (const path of own.docs) info.description ??= firstParagraph(text(path));
    result.generators.set(gen, info);
  }
  for (const t of result.templates.values()) {
    for (const path of t.metadata) {
      const meta = readMeta(path, text(path), result.problems);
      if (!meta) continue;
      t.description = str(meta.description) ?? t.description;
      for (const v of metaVariables(meta)) t.variables.set(v.name, v);
    }
    for (const path of t.hooks) {
      if (!/\.(c?js|ts)$/.test(path)) continue;
      for (const v of promptVariables(text(path))) if (!t.variables.has(v.name)) t.variables.set(v.name, v);
    }
    for (const path of t.docs) t.description ??= firstParagraph(text(path));
  }
  return result;
}

/** A README or index.md whose frontmatter has a to: is a template that writes a file, not documentation. */
function writesOutput(bytes: Buffer): boolean {
  const fm = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(bytes.subarray(0, 64 * 1024).toString('utf8'));
  return fm !== null && /^to[ \t]*:/m.test(fm[1]!);
}

/** `api.ts.njk` → `api`: the engine's extension, then the output's. */
function singleFileName(name: string): string {
  const bare = name.replace(TEMPLATE_SUFFIX, '');
  const dot = bare.lastIndexOf('.');
  return dot > 0 ? bare.slice(0, dot) : bare;
}

/**
 * The files .hygenignore files name (gitignore patterns relative to the ignore file's folder; `!`
 * negations are not followed). Used only to list a template's files: every file in an action
 * folder is checked whatever .hygenignore says, so a difference between this reading and Hygen's
 * ignore-walk can hide nothing from the checks.
 */
function hygenIgnoreMatcher(files: PackageFile[]): (path: string) => boolean {
  const rules: { base: string; glob: string; anchored: boolean; dirOnly: boolean }[] = [];
  for (const f of files) {
    if (!f.path.endsWith('/.hygenignore') || !f.path.startsWith(`${TEMPLATES_DIR}/`)) continue;
    const base = f.path.slice(0, -'.hygenignore'.length);
    for (const raw of f.bytes.toString('utf8').split(/\r?\n/).slice(0, 100)) {
      const p = raw.trim();
      if (!p || p.startsWith('#') || p.startsWith('!') || p.length > 200) continue;
      const glob = p.replace(/\/+$/, '').replace(/^\//, '');
      if (glob && rules.length < 500) rules.push({ base, glob, anchored: p.replace(/\/+$/, '').includes('/'), dirOnly: p.endsWith('/') });
    }
  }
  return (path) =>
    rules.some((r) => {
      if (!path.startsWith(r.base)) return false;
      const segs = path.slice(r.base.length).split('/');
      // The pattern names a file or a folder: try every prefix of the path (any start when not anchored).
      for (let start = 0; start < (r.anchored ? 1 : segs.length); start++)
        for (let end = start + 1; end <= segs.length; end++) {
          if (r.dirOnly && end === segs.length) continue;
          if (globMatch(r.glob, segs.slice(start, end).join('/'))) return true;
        }
      return false;
    });
}

/** Glob match by dynamic programming (no regular expression): `**` any text, `*` any text without /, `?` one character but /. */
function globMatch(glob: string, text: string): boolean {
  const g = glob.replace(/\*\*+/g, '\u0000');
  let prev = new Array<boolean>(text.length + 1).fill(false);
  prev[0] = true;
  for (let i = 1; i <= g.length; i++) {
    const c = g[i - 1]!;
    const cur = new Array<boolean>(text.length + 1).fill(false);
    cur[0] = prev[0]! && (c === '*' || c === '\u0000');
    for (let j = 1; j <= text.length; j++) {
      const t = text[j - 1]!;
      if (c === '\u0000') cur[j] = prev[j]! || cur[j - 1]!;
      else if (c === '*') cur[j] = prev[j]! || (t !== '/' && cur[j - 1]!);
      else if (c === '?') cur[j] = prev[j - 1]! && t !== '/';
      else cur[j] = prev[j - 1]! && c === t;
    }
    prev = cur;
  }
  return prev[text.length]!;
}

/** Whether Unjucks renders this body with Nunjucks (see NunjucksWhen); bodies without Nunjucks markup render as themselves. */
export function rendersWithNunjucks(when: NunjucksWhen, body: string): boolean {
  if (when === 'always') return true;
  if (when === 'never' || !NUNJUCKS_MARKUP.test(body)) return false;
  if (when === 'parses-without-ejs' && EJS_TAG.test(body)) return false;
  try {
    (nunjucks as unknown as { parser: { parse(src: string): unknown } }).parser.parse(body);
    return true;
  } catch {
    return false;
  }
}

// --- metadata ------------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

function readMeta(file: string, text: string, problems: Discovery['problems']): Record<string, unknown> | null {
  if (Buffer.byteLength(text) > MAX_META_BYTES) {
    problems.push({ file, message: `the metadata file is larger than ${MAX_META_BYTES} bytes` });
    return null;
  }
  const doc = parseDocument(text, { schema: 'core', prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    problems.push({ file, message: `the metadata file is not valid YAML: ${err.message.split('\n')[0]}`, line: (err.linePos?.[0]?.line ?? 0) + 1 });
    return null;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 20 });
  } catch (e) {
    problems.push({ file, message: `the metadata file cannot be read: ${(e as Error).message}` });
    return null;
  }
  return isObject(data) ? data : null;
}

// Prompt types of enquirer and inquirer, mapped to JSON Schema types.
const PROMPT_TYPES: Record<string, string> = {
  input: 'string',
  text: 'string',
  password: 'string',
  invisible: 'string',
  editor: 'string',
  autocomplete: 'string',
  select: 'string',
  list: 'string',
  rawlist: 'string',
  expand: 'string',
  confirm: 'boolean',
  toggle: 'boolean',
  multiselect: 'array',
  checkbox: 'array',
  numeral: 'number',
  number: 'number',
};
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
const typeOf = (t: unknown) => (typeof t !== 'string' ? undefined : JSON_TYPES.has(t) ? t : PROMPT_TYPES[t]);

function variableFrom(name: string, v: Record<string, unknown>, source: VariableSummary['source']): VariableSummary {
  const out: VariableSummary = { name, source };
  const type = typeOf(v.type);
  if (type) out.type = type;
  if (typeof v.required === 'boolean') out.required = v.required;
  const def = v.default !== undefined ? v.default : v.initial;
  if (def !== undefined && (def === null || typeof def !== 'object' || Array.isArray(def))) out.default = def;
  const description = str(v.description) ?? str(v.message) ?? str(v.prompt);
  if (description) out.description = description;
  return out;
}

/** `variables:` (a list of {name, ...} or a map name → {...} or → default) and `prompts:` of a meta or config file. */
function metaVariables(meta: Record<string, unknown>): VariableSummary[] {
  const out: VariableSummary[] = [];
  for (const list of [meta.variables, meta.prompts]) {
    if (Array.isArray(list)) {
      for (const v of list) if (isObject(v) && typeof v.name === 'string' && v.name) out.push(variableFrom(v.name, v, 'meta'));
    } else if (isObject(list)) {
      for (const [name, v] of Object.entries(list)) out.push(isObject(v) ? variableFrom(name, v, 'meta') : variableFrom(name, { default: v }, 'meta'));
    }
  }
  return out;
}

/** Frontmatter `variables:` (Unjucks): name → default, or name → { default, description, ... }. */
export function frontmatterVariables(value: unknown): VariableSummary[] {
  if (!isObject(value)) return [];
  return Object.entries(value).map(([name, v]) => (isObject(v) ? variableFrom(name, v, 'frontmatter') : variableFrom(name, { default: v }, 'frontmatter')));
}

interface JsNode {
  type: string;
  [k: string]: unknown;
}
const isNode = (v: unknown): v is JsNode => isObject(v) && typeof v.type === 'string';

/** The value of a literal expression (strings, numbers, booleans, null, arrays and objects of them), else undefined. */
function literal(n: unknown): unknown {
  if (!isNode(n)) return undefined;
  switch (n.type) {
    case 'Literal':
      return n.regex ? undefined : n.value;
    case 'TemplateLiteral':
      return (n.expressions as unknown[]).length === 0 ? (n.quasis as { value: { cooked: string } }[])[0]?.value.cooked : undefined;
    case 'UnaryExpression':
      return n.operator === '-' && typeof literal(n.argument) === 'number' ? -(literal(n.argument) as number) : undefined;
    case 'ArrayExpression':
      return (n.elements as unknown[]).map(literal);
    case 'ObjectExpression': {
      const o: Record<string, unknown> = {};
      for (const p of n.properties as JsNode[]) {
        const k = propKey(p);
        if (k !== undefined) o[k] = literal(p.value);
      }
      return o;
    }
    default:
      return undefined;
  }
}
function propKey(p: JsNode): string | undefined {
  if (p.type !== 'Property' || p.computed) return undefined;
  const k = p.key as JsNode;
  return k.type === 'Identifier' ? String(k.name) : k.type === 'Literal' ? String(k.value) : undefined;
}

/**
 * Questions written as literals in a Hygen prompt file: every array of objects with a literal
 * `name` (`module.exports = [...]`, `prompter.prompt([...])`, `const questions = [...]`). The file
 * is parsed with acorn and never run; questions built by code are not found.
 */
export function promptVariables(source: string): VariableSummary[] {
  if (source.length > MAX_PROMPT_BYTES) return [];
  let ast: unknown;
  const opts = { ecmaVersion: 'latest' as const, allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true };
  try {
    ast = parseJs(source, { ...opts, sourceType: 'module' });
  } catch {
    try {
      ast = parseJs(source, { ...opts, sourceType: 'script' });
    } catch {
      return [];
    }
  }
  const out = new Map<string, VariableSummary>();
  const stack: unknown[] = [ast];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) {
      stack.push(...n);
      continue;
    }
    if (!isNode(n)) continue;
    if (n.type === 'ArrayExpression') {
      const els = n.elements as unknown[];
      let questions: Record<string, unknown>[];
      try {
        questions = els.filter((e): e is JsNode => isNode(e) && e.type === 'ObjectExpression').map((e) => literal(e) as Record<string, unknown>);
      } catch {
        questions = []; // nested too deep to read: not a question list
      }
      for (const q of questions)
        if (typeof q.name === 'string' && q.name && (q.type !== undefined || q.message !== undefined) && !out.has(q.name))
          out.set(q.name, variableFrom(q.name, q, 'prompt'));
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'type' && (isNode(v) || Array.isArray(v))) stack.push(v);
  }
  return [...out.values()];
}

/** The first paragraph of a README or index.md, as a one-line description. */
export function firstParagraph(text: string): string | undefined {
  let body = text;
  const fm = /^---\r?\n[\s\S]*?\r?\n---[ \t]*\r?\n/.exec(body);
  if (fm) body = body.slice(fm[0].length);
  let heading: string | undefined;
  let inFence = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence || line === '' || line.startsWith('```') || line.startsWith('<!--') || line.startsWith('![') || line.startsWith('[![')) continue;
    if (line.startsWith('#')) {
      heading ??= line.replace(/^#+\s*/, '');
      continue;
    }
    return line.slice(0, 300);
  }
  return heading?.slice(0, 300) || undefined;
}

// --- the report's view -------------------------------------------------------------------------

const SOURCE_RANK: Record<VariableSummary['source'], number> = { manifest: 0, meta: 1, prompt: 2, frontmatter: 3, inferred: 4 };

/** Merges two records of one variable: the better source wins, the other fills what it leaves out. */
function mergeVariable(a: VariableSummary, b: VariableSummary): VariableSummary {
  const [hi, lo] = SOURCE_RANK[a.source] <= SOURCE_RANK[b.source] ? [a, b] : [b, a];
  return { ...lo, ...Object.fromEntries(Object.entries(hi).filter(([, v]) => v !== undefined)), source: hi.source } as VariableSummary;
}

export function schemaVariables(schema: VariableSchema | undefined): VariableSummary[] {
  const required = new Set(schema?.required ?? []);
  return Object.entries(schema?.properties ?? {}).map(([name, s]) => {
    const v: VariableSummary = { name, source: 'manifest' };
    const type = Array.isArray(s.type) ? s.type.join('|') : s.type;
    if (type) v.type = type;
    if (required.has(name)) v.required = true;
    if (s.default !== undefined) v.default = s.default;
    const description = str(s.description) ?? str(s['x-prompt']);
    if (description) v.description = description;
    return v;
  });
}

/** Variable defaults a template's paths may be built from: every source that gives one (manifest first). */
export function defaultsOf(t: DiscoveredTemplate | undefined, manifest: Manifest | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!t) return out;
  for (const v of t.variables.values()) if (v.default !== undefined) out[v.name] = v.default;
  const decl = manifest?.unjucks?.generators?.[t.generator]?.templates?.[t.template];
  for (const v of schemaVariables(decl?.variables)) if (v.default !== undefined) out[v.name] = v.default;
  return out;
}

/**
 * The report's templates: every discovered template, refined by the manifest's declaration
 * (descriptions, JSON Schema variables), with the variables each source gives merged by name.
 */
export function summarize(
  d: Discovery,
  manifest: Manifest | null,
  found: Map<string, { inferred: Set<string>; frontmatter: VariableSummary[]; engines: Set<Engine> }>,
): TemplateSummary[] {
  return [...d.templates.values()]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((t) => {
      const gen = manifest?.unjucks?.generators?.[t.generator];
      const decl = gen?.templates?.[t.template];
      const seen = found.get(t.key);
      const vars = new Map<string, VariableSummary>();
      const add = (v: VariableSummary) => vars.set(v.name, vars.has(v.name) ? mergeVariable(vars.get(v.name)!, v) : v);
      const declared = schemaVariables(decl?.variables);
      declared.forEach(add);
      t.variables.forEach(add);
      seen?.frontmatter.forEach(add);
      const engines = [...(seen?.engines ?? [])].sort();
      const hygenOnly = !engines.includes('nunjucks');
      for (const name of seen?.inferred ?? []) if (!(hygenOnly && HYGEN_LOCALS.has(name))) add({ name, source: 'inferred' });
      const details = [...vars.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const hasDeclared = decl?.variables?.properties !== undefined;
      const summary: TemplateSummary = {
        generator: t.generator,
        template: t.template,
        files: [...t.files].sort(),
        variables: hasDeclared ? declared.map((v) => v.name) : details.map((v) => v.name),
        inferred: details.length > 0 && details.every((v) => v.source === 'inferred'),
        layout: t.layout,
        // Hygen renders with EJS, Unjucks with Nunjucks: the engines that render a template name its tools.
        tools: engines.map((e): Tool => (e === 'ejs' ? 'hygen' : 'unjucks')).sort(),
        engines,
        declared: decl !== undefined,
        variableDetails: details,
      };
      const description = str(decl?.description) ?? t.description;
      if (description) summary.description = description;
      const generatorDescription = str(gen?.description) ?? d.generators.get(t.generator)?.description;
      if (generatorDescription) summary.generatorDescription = generatorDescription;
      return summary;
    });
}
