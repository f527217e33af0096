import type { CapabilityName } from '@unjucks/core';
import type { Findings } from './findings.js';
import type { Frontmatter } from './frontmatter.js';
import { analyzeNunjucks, parseNunjucks } from './nunjucks-ast.js';
import { checkTarget } from './targets.js';

export type Engine = 'nunjucks' | 'ejs';

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
}

export interface TemplateFileResult {
  /** Variables the file reads that it does not define. */
  variables: Set<string>;
  capabilities: { name: CapabilityName; detail: string }[];
}

/**
 * Every check on one rendered template: its target paths, the frontmatter values the tools
 * render, the body under each engine that renders it, and the capabilities it needs.
 */
export function checkTemplateFile(ctx: TemplateFileContext): TemplateFileResult {
  const { file, frontmatter: fm, findings } = ctx;
  const vars = new Set<string>();
  const capabilities: TemplateFileResult['capabilities'] = [];
  const lineOf = (k: string) => fm.keyLines.get(k);
  const engine: Engine = ctx.engines.includes('nunjucks') ? 'nunjucks' : 'ejs';

  const inject = fm.data.inject === true || fm.data.inject === 'true';
  for (const key of ['to', 'from'] as const) {
    const r = checkTarget(file, key, fm.data[key], engine, lineOf(key), inject, findings);
    r.variables.forEach((v) => vars.add(v));
    capabilities.push(...r.capabilities);
  }
  if (fm.data.sh !== undefined && fm.data.sh !== null && fm.data.sh !== '') capabilities.push({ name: 'shell', detail: `sh: runs ${JSON.stringify(String(fm.data.sh).slice(0, 80))}` });
  if (fm.data.setup !== undefined) capabilities.push({ name: 'shell', detail: 'setup: clones a repository' });
  if (fm.data.chmod !== undefined) capabilities.push({ name: 'chmod', detail: `chmod: ${String(fm.data.chmod)}` });

  if (ctx.engines.includes('nunjucks')) {
    if (/<%[=\-_]?\s/.test(fm.body)) {
      const before = fm.body.slice(0, fm.body.search(/<%/));
      findings.add('syntax/ejs-in-njk', 'the template uses EJS tags (<% %>) in a nunjucks file', { file, line: fm.bodyLine + before.split('\n').length - 1 });
    }
    const ast = parseNunjucks(file, fm.body, fm.bodyLine, findings);
    if (ast) analyzeNunjucks(file, ast, fm.bodyLine, findings, ctx.knownFilters).variables.forEach((v) => vars.add(v));
  }
  return { variables: vars, capabilities };
}
