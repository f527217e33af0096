import semver from 'semver';
import { InputError } from './errors.js';
import { nameProblem } from './name.js';
import { versionProblem } from './version.js';

/** A JSON Schema object describing a template's variables (the subset Unjucks prompts use). */
export interface VariableSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  required?: string[];
  properties?: Record<string, VariableSchema>;
  items?: VariableSchema;
  'x-prompt'?: string;
  [key: string]: unknown;
}

export interface TemplateInfo {
  description?: string;
  variables?: VariableSchema;
}

export interface GeneratorInfo {
  description?: string;
  templates: Record<string, TemplateInfo>;
}

export interface Manifest {
  name: string;
  version: string;
  description?: string;
  keywords?: string[];
  license?: string;
  repository?: string | { type?: string; url: string; directory?: string };
  files?: string[];
  engines?: { unjucks?: string; [engine: string]: string | undefined };
  unjucks?: { generators?: Record<string, GeneratorInfo>; [key: string]: unknown };
  [key: string]: unknown;
}

export const TEMPLATES_DIR = '_templates';

// Generator and template names become directory names under _templates/.
const SEGMENT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function variableProblems(schema: unknown, at: string, out: string[]): void {
  if (!isObject(schema)) {
    out.push(`${at} must be a JSON Schema object`);
    return;
  }
  const { type, properties, required, pattern, items } = schema;
  const types = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'];
  if (type !== undefined) {
    const list = Array.isArray(type) ? type : [type];
    if (list.length === 0 || !list.every((t) => typeof t === 'string' && types.includes(t))) out.push(`${at}.type must be one of ${types.join(', ')}`);
  }
  if (schema.enum !== undefined && !Array.isArray(schema.enum)) out.push(`${at}.enum must be an array`);
  if (schema.description !== undefined && typeof schema.description !== 'string') out.push(`${at}.description must be a string`);
  if (schema['x-prompt'] !== undefined && typeof schema['x-prompt'] !== 'string') out.push(`${at}.x-prompt must be a string`);
  if (pattern !== undefined) {
    if (typeof pattern !== 'string') out.push(`${at}.pattern must be a string`);
    else {
      try {
        new RegExp(pattern, 'u');
      } catch {
        out.push(`${at}.pattern is not a valid regular expression`);
      }
    }
  }
  if (required !== undefined && !(Array.isArray(required) && required.every((r) => typeof r === 'string')))
    out.push(`${at}.required must be an array of property names`);
  if (properties !== undefined) {
    if (!isObject(properties)) out.push(`${at}.properties must be an object`);
    else for (const [k, v] of Object.entries(properties)) variableProblems(v, `${at}.properties.${k}`, out);
  }
  if (items !== undefined) variableProblems(items, `${at}.items`, out);
}

/** Every problem with a manifest, as readable sentences naming the field. Empty when valid. */
export function manifestProblems(m: unknown): string[] {
  if (!isObject(m)) return ['package.json must be a JSON object'];
  const out: string[] = [];
  const np = nameProblem(m.name);
  if (np) out.push(`name: ${np}`);
  const vp = versionProblem(m.version);
  if (vp) out.push(`version: ${vp}`);
  if (m.description !== undefined && typeof m.description !== 'string') out.push('description must be a string');
  if (m.keywords !== undefined && !(Array.isArray(m.keywords) && m.keywords.every((k) => typeof k === 'string')))
    out.push('keywords must be an array of strings');
  if (m.license !== undefined && typeof m.license !== 'string') out.push('license must be a string (an SPDX expression)');
  if (m.repository !== undefined && typeof m.repository !== 'string' && !(isObject(m.repository) && typeof m.repository.url === 'string'))
    out.push('repository must be a string or { "type": "git", "url": "..." }');
  if (m.files !== undefined && !(Array.isArray(m.files) && m.files.every((f) => typeof f === 'string'))) out.push('files must be an array of paths');
  if (m.engines !== undefined) {
    if (!isObject(m.engines)) out.push('engines must be an object');
    else if (m.engines.unjucks !== undefined && (typeof m.engines.unjucks !== 'string' || semver.validRange(m.engines.unjucks) === null))
      out.push(`engines.unjucks must be a semver range such as ">=1.0.0 <2", got ${JSON.stringify(m.engines.unjucks)}`);
  }
  if (m.unjucks !== undefined) {
    if (!isObject(m.unjucks)) out.push('unjucks must be an object');
    else if (m.unjucks.generators !== undefined) {
      const gens = m.unjucks.generators;
      if (!isObject(gens)) out.push('unjucks.generators must be an object of generators');
      else
        for (const [g, gen] of Object.entries(gens)) {
          const at = `unjucks.generators.${g}`;
          if (!SEGMENT_RE.test(g)) out.push(`${at}: a generator name is a directory name (letters, digits, . _ -)`);
          if (!isObject(gen)) {
            out.push(`${at} must be an object with "templates"`);
            continue;
          }
          if (gen.description !== undefined && typeof gen.description !== 'string') out.push(`${at}.description must be a string`);
          if (!isObject(gen.templates)) {
            out.push(`${at}.templates must be an object of templates`);
            continue;
          }
          for (const [t, tmpl] of Object.entries(gen.templates)) {
            const tat = `${at}.templates.${t}`;
            if (!SEGMENT_RE.test(t)) out.push(`${tat}: a template name is a directory name (letters, digits, . _ -)`);
            if (!isObject(tmpl)) {
              out.push(`${tat} must be an object`);
              continue;
            }
            if (tmpl.description !== undefined && typeof tmpl.description !== 'string') out.push(`${tat}.description must be a string`);
            if (tmpl.variables !== undefined) variableProblems(tmpl.variables, `${tat}.variables`, out);
          }
        }
    }
  }
  return out;
}

export function parseManifest(json: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(json);
  } catch (e) {
    throw new InputError(`package.json is not valid JSON: ${(e as Error).message}`, 'invalid_manifest');
  }
  const problems = manifestProblems(m);
  if (problems.length > 0) throw new InputError(`package.json is invalid: ${problems.join('; ')}`, 'invalid_manifest');
  return m as Manifest;
}
