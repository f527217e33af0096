import type { CapabilityName } from '@unjucks/core';
import { analyzeEjs } from './ejs.js';
import { Findings } from './findings.js';
import type { Frontmatter } from './frontmatter.js';
import { analyzeNunjucks, parseNunjucks } from './nunjucks-ast.js';
import { checkOutputPath, checkTarget, lifecycleScripts } from './targets.js';

export type Engine = 'nunjucks' | 'ejs';

/** Template bodies larger than this are refused rather than parsed: a parse tree is many times the source. */
export const MAX_TEMPLATE_CHARS = 1024 * 1024;

/** One file a tool renders, as discovery found it. */
export interface TemplateFileContext {
  /** Path below package/. */
  file: string;
  /** The file's text, decoded as the tools decode it (a leading BOM removed). */
  text: string;
  /** Every engine that renders this file's body and frontmatter values (a file may be rendered by both tools). */
  engines: Engine[];
  /** The parsed frontmatter (empty data when the file has none). */
  frontmatter: Frontmatter;
  /** Declared variable defaults (manifest schema, frontmatter `variables`, meta files), for folding paths. */
  variableDefaults: Record<string, unknown>;
  knownFilters: Set<string>;
  findings: Findings;
  /**
   * Where a tool writes this file when its frontmatter has no `to:` (Unjucks uses the file's own
   * name), relative to the destination. Checked like a `to:` value.
   */
  outputPath?: string;
}

export interface TemplateFileResult {
  /** Variables the file reads that it does not define. */
  variables: Set<string>;
  capabilities: { name: CapabilityName; detail: string }[];
}

/** Frontmatter values the tools render, with their keys (Hygen renders every top-level string value). */
function renderedValues(data: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string') out.push([k, v]);
    else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') out.push([k, item]);
  }
  return out;
}

/**
 * Every check on one rendered template: its target paths, the frontmatter values the tools
 * render, the body under each engine that renders it, and the capabilities it needs. It reads
 * and folds; it never renders or runs anything.
 */
export function checkTemplateFile(ctx: TemplateFileContext): TemplateFileResult {
  const { file, frontmatter: fm, findings, variableDefaults: defaults } = ctx;
  const vars = new Set<string>();
  const capabilities: TemplateFileResult['capabilities'] = [];
  if (findings.outOfTime()) return { variables: vars, capabilities };
  if (ctx.text.length > MAX_TEMPLATE_CHARS) {
    findings.add('template/too-large', `the template is ${ctx.text.length} characters long; at most ${MAX_TEMPLATE_CHARS} are accepted`, { file, line: 1 });
    return { variables: vars, capabilities };
  }
  const lineOf = (k: string) => fm.keyLines.get(k);
  const engines = ctx.engines.length ? ctx.engines : (['nunjucks'] as Engine[]);
  const unproven: string[] = [];

  // Frontmatter values: each engine renders them before the tool reads them.
  for (const [key, value] of renderedValues(fm.data)) {
    const keyLine = lineOf(key) ?? 1;
    if (engines.includes('nunjucks') && /\{[{%#]/.test(value)) {
      // to:/from: syntax errors are reported once, by checkTarget. Another value Unjucks does not render
      // as a path (inject markers, messages) that nunjucks cannot parse only fails there: a warning.
      const target = key === 'to' || key === 'from';
      const ast = parseNunjucks(file, value, keyLine, target ? new Findings() : findings, `the ${key}: value`, 'warning');
      if (ast)
        analyzeNunjucks(file, ast, keyLine, findings, ctx.knownFilters, defaults, (n) => ({ line: keyLine + n.lineno, column: n.colno + 1 })).variables.forEach(
          (v) => vars.add(v),
        );
    }
    if (engines.includes('ejs')) {
      const r = analyzeEjs(file, value, findings, defaults, (line, column) => ({ line: keyLine + line - 1, column }));
      r.variables.forEach((v) => vars.add(v));
      unproven.push(...r.unproven.map((u) => `${u} (in ${key}:)`));
    }
  }

  // Where the file goes.
  const inject = fm.data.inject === true || fm.data.inject === 'true';
  const targets: string[] = [];
  for (const key of ['to', 'from'] as const) {
    const r = checkTarget(file, key, fm.data[key], engines, lineOf(key), inject, findings, defaults);
    r.variables.forEach((v) => vars.add(v));
    capabilities.push(...r.capabilities);
    if (key === 'to') targets.push(...r.paths);
  }
  if ((fm.data.to === undefined || fm.data.to === null) && ctx.outputPath) {
    targets.push(ctx.outputPath);
    for (const p of checkOutputPath(ctx.outputPath)) {
      if (p.kind === 'error') findings.add(p.rule, `this template has no to: and is written under its own path, and ${p.message}`, { file, line: 1 });
      else capabilities.push({ name: p.name, detail: p.detail });
    }
  }

  if (fm.data.sh !== undefined && fm.data.sh !== null && fm.data.sh !== '')
    capabilities.push({ name: 'shell', detail: `sh: runs ${JSON.stringify(String(fm.data.sh).slice(0, 80))}` });
  if (fm.data.setup !== undefined) capabilities.push({ name: 'shell', detail: 'setup: clones a repository' });
  if (fm.data.chmod !== undefined) capabilities.push({ name: 'chmod', detail: `chmod: ${String(fm.data.chmod)}` });

  // Body, under each engine that renders it.
  if (engines.includes('nunjucks')) {
    if (!engines.includes('ejs') && /<%[=\-_]?\s/.test(fm.body)) {
      const before = fm.body.slice(0, fm.body.search(/<%/));
      findings.add('syntax/ejs-in-njk', 'the template uses EJS tags (<% %>) in a nunjucks file', { file, line: fm.bodyLine + before.split('\n').length - 1 });
    }
    const ast = parseNunjucks(file, fm.body, fm.bodyLine, findings);
    if (ast) analyzeNunjucks(file, ast, fm.bodyLine, findings, ctx.knownFilters, defaults).variables.forEach((v) => vars.add(v));
  }
  if (engines.includes('ejs')) {
    const binary = fm.body.includes('\0');
    const r = analyzeEjs(file, fm.body, findings, defaults, (line, column) => ({ line: fm.bodyLine + line - 1, column }), binary ? 'warning' : 'error');
    r.variables.forEach((v) => vars.add(v));
    unproven.push(...r.unproven);
  }
  if (unproven.length)
    capabilities.push({
      name: 'template-code',
      detail: `EJS code the validator cannot prove harmless runs at generate time: ${unproven.slice(0, 3).join('; ')}${unproven.length > 3 ? `; and ${unproven.length - 3} more` : ''}`,
    });

  // A package.json written whole, or injected into, with lifecycle scripts runs them on the next install.
  if (targets.some((t) => /(^|\/)package\.json$/i.test(t.trim()))) {
    const scripts = lifecycleScripts(fm.body);
    if (scripts.length)
      capabilities.push({
        name: 'autorun',
        detail: `${inject ? 'injects' : 'writes'} package.json lifecycle scripts (${scripts.join(', ')}), which run on the next install`,
      });
  }
  return { variables: vars, capabilities };
}
