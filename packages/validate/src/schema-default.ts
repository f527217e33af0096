import type { VariableSchema } from '@unjucks/core';
import { createRequire } from 'node:module';

// Loaded on first use: compiling the WebAssembly module costs tens of milliseconds at start-up.
let re2: typeof import('re2-wasm').RE2 | undefined;
const RE2 = () => (re2 ??= (createRequire(import.meta.url)('re2-wasm') as typeof import('re2-wasm')).RE2);

/**
 * A package's `pattern` never runs on JavaScript's backtracking engine (`^(a+)+$` would hold the
 * event loop for as long as its author likes): RE2 matches in time linear in the input. Patterns RE2
 * does not support (backreferences, lookaround) cannot be checked and are left to the client.
 */
function matches(pattern: string, value: string): boolean | null {
  if (pattern.length > 1000 || value.length > 10_000) return null;
  try {
    return new (RE2())(pattern, 'u').test(value);
  } catch {
    return null;
  }
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

/** Why `value` does not satisfy the schema subset Unjucks uses (type, enum, pattern, items), or null. */
export function valueProblem(value: unknown, schema: VariableSchema): string | null {
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return `${JSON.stringify(value)} is a ${actual}, not ${types.join(' or ')}`;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    return `${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (typeof schema.pattern === 'string' && typeof value === 'string') {
    if (matches(schema.pattern, value) === false) return `${JSON.stringify(value)} does not match ${schema.pattern}`;
  }
  if (schema.items && Array.isArray(value)) {
    for (const item of value) {
      const p = valueProblem(item, schema.items);
      if (p) return `an item: ${p}`;
    }
  }
  return null;
}

/** Every default in a variables schema that breaks its own schema, with the property path. */
export function defaultProblems(schema: VariableSchema, path = 'variables'): string[] {
  const out: string[] = [];
  if (schema.default !== undefined) {
    const p = valueProblem(schema.default, schema);
    if (p) out.push(`${path}.default: ${p}`);
  }
  for (const [k, sub] of Object.entries(schema.properties ?? {})) out.push(...defaultProblems(sub, `${path}.properties.${k}`));
  return out;
}
