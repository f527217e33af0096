import semver from 'semver';
import {
  manifestProblems,
  readArchiveBytes,
  TEMPLATES_DIR,
  type Capability,
  type CapabilityName,
  type Manifest,
  type PackageFile,
  type RejectedEntry,
  type TemplateSummary,
  type VariableSummary,
  type ValidationReport,
} from '@unjucks/core';
import { Findings, RULES, type RuleId } from './findings.js';
import { checkTemplateFile, type Engine } from './check-file.js';
import { parseFrontmatter } from './frontmatter.js';
import { defaultProblems } from './schema-default.js';
import { scanSecrets } from './secrets.js';
import { BUILTIN_FILTERS, HYGEN_CONFIG_FILES, KNOWN_KEYS, UNJUCKS_EJS_NAME } from './tools.js';
import { defaultsOf, discover, frontmatterVariables, rendersWithNunjucks, summarize, type DiscoveredFile } from './discover.js';
import type { ValidationMemo } from './memo.js';

export const VALIDATOR_VERSION = 'unjucks-validate/1';

/** Unjucks releases a package may target when the server is not told otherwise. */
export const DEFAULT_SUPPORTED_UNJUCKS = ['1.0.0', '2.0.0', '2025.9.0', '2026.1.0'];

export interface ValidateOptions {
  /** Entries the archive reader refused (collect mode); each becomes an error finding. */
  rejected?: RejectedEntry[];
  /** Unjucks versions this registry supports; `engines.unjucks` must admit at least one. */
  supportedUnjucks?: string[];
  /** Capabilities this registry refuses outright. */
  refuseCapabilities?: CapabilityName[];
  /** How long the validation may take; past it the package is refused (report/time-budget). */
  timeBudgetMs?: number;
}

const WINDOWS_BAD = /[<>:"|?*]/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

// Keys that make a template do something besides being rendered.
const ACTION_KEYS = ['to', 'sh', 'setup', 'echo', 'message'];
// Hygen passes frontmatter to the body as `attributes`: a key the body reads is the author's data.
const readsAttribute = (body: string, key: string) =>
  body.includes(`attributes.${key}`) || body.includes(`attributes['${key}']`) || body.includes(`attributes["${key}"]`);

/**
 * Validates a package's files (paths below package/) and returns the report. It parses, walks and
 * scans, and never renders or runs anything the package contains.
 */
export function validateFiles(files: PackageFile[], options: ValidateOptions = {}, memo?: ValidationMemo): ValidationReport {
  const findings = new Findings({ timeBudgetMs: options.timeBudgetMs });
  const capabilities: Capability[] = [];
  const addCapability = (name: CapabilityName, file: string, detail: string) => capabilities.push({ name, file, detail });

  for (const r of options.rejected ?? []) findings.add(r.rule as RuleId, r.message, { file: r.path.replace(/^package\//, '') });

  // Manifest.
  let manifest: Manifest | null = null;
  const manifestFile = files.find((f) => f.path === 'package.json');
  if (!manifestFile) findings.add('manifest/missing', 'the package has no package.json', { file: 'package.json' });
  else {
    let json: unknown;
    try {
      json = JSON.parse(manifestFile.bytes.toString('utf8'));
    } catch (e) {
      findings.add('manifest/json', `package.json is not valid JSON: ${(e as Error).message}`, { file: 'package.json' });
    }
    if (json !== undefined) {
      const problems = manifestProblems(json);
      for (const p of problems)
        findings.add(/must be ASCII/.test(p) ? 'manifest/name-non-ascii' : 'manifest/invalid', `package.json: ${p}`, { file: 'package.json' });
      if (problems.length === 0) manifest = json as Manifest;
    }
  }

  // Templates, found the way Unjucks and Hygen find them (DISCOVERY.md).
  const found = discover(files);
  if (!files.some((f) => f.path.startsWith(`${TEMPLATES_DIR}/`))) findings.add('manifest/no-templates', `the package has no files under ${TEMPLATES_DIR}/`);
  for (const p of found.problems)
    findings.add('metadata/unreadable', `${p.message}; its descriptions and variables are ignored`, { file: p.file, line: p.line });
  for (const h of found.hooks) addCapability('hooks', h.file, h.detail);

  const generators = manifest?.unjucks?.generators ?? {};
  for (const [g, gen] of Object.entries(generators))
    for (const [t, tmpl] of Object.entries(gen.templates ?? {})) {
      const at = `template ${g}/${t}`;
      if (!found.templates.has(`${g}/${t}`))
        findings.add(
          'manifest/template-missing',
          `unjucks.generators declares ${g}/${t}, but neither ${TEMPLATES_DIR}/${g}/${t}/ nor a single-file ${TEMPLATES_DIR}/${g}/${t}.njk exists`,
          { file: 'package.json' },
        );
      if (tmpl.variables) {
        for (const p of defaultProblems(tmpl.variables)) findings.add('manifest/variable-default', `${at}: ${p}`, { file: 'package.json' });
        for (const [v, s] of Object.entries(tmpl.variables.properties ?? {}))
          if (!s.description && !s['x-prompt'])
            findings.add('docs/variable-description-missing', `variable ${v} of ${g}/${t} has no description`, { file: 'package.json' });
      }
    }

  const declaredFilters = new Set(
    Array.isArray(manifest?.unjucks?.filters) ? (manifest!.unjucks!.filters as unknown[]).filter((f): f is string => typeof f === 'string') : [],
  );
  const knownFilters = new Set([...BUILTIN_FILTERS, ...declaredFilters]);

  // Every file: names, secrets, and hook files found outside an action folder.
  for (const f of files) {
    const base = f.path.split('/').pop()!;
    const parts = f.path.split('/');
    if (WINDOWS_BAD.test(f.path) || parts.some((p) => WINDOWS_RESERVED.test(p) || /[. ]$/.test(p)))
      findings.add('compat/windows-filename', `${f.path} cannot be created on Windows`, { file: f.path });
    if (HYGEN_CONFIG_FILES.has(base)) addCapability('hooks', f.path, `${base} is code that Hygen loads from the working folder upwards`);
    // every file, binary ones by their printable strings
    const scan = (into: Findings) => scanSecrets(f.path, f.bytes, into);
    if (memo) memo.run('secrets', [f.path, f.bytes], findings, scan);
    else scan(findings);
  }

  // Every file a tool renders, with every engine that renders it, whatever bytes it holds.
  const seen = new Map<string, { inferred: Set<string>; frontmatter: VariableSummary[]; engines: Set<Engine> }>();
  const sortedFilters = [...knownFilters].sort();
  for (const rf of found.files) {
    if (findings.outOfTime()) break;
    const t = rf.template ? found.templates.get(rf.template) : undefined;
    const templateDefaults = defaultsOf(t, manifest);
    const check = (into: Findings) => checkRenderedFile(rf, templateDefaults, knownFilters, into);
    const r = memo
      ? memo.run(
          'rendered-file',
          [rf.path, rf.text, rf.role, rf.hygen, rf.nunjucks, rf.unjucksOutput, rf.template, templateDefaults, sortedFilters],
          findings,
          check,
        )
      : check(findings);
    if (!r) continue;
    const entry = rf.template ? (seen.get(rf.template) ?? { inferred: new Set<string>(), frontmatter: [], engines: new Set<Engine>() }) : null;
    if (rf.template && entry) seen.set(rf.template, entry);
    for (const c of r.capabilities) addCapability(c.name, rf.path, c.detail);
    if (entry && rf.role === 'template') {
      r.variables.forEach((v) => entry.inferred.add(v));
      entry.frontmatter.push(...r.frontmatterVariables);
      r.engines.forEach((e) => entry.engines.add(e));
      if (rf.hygen) entry.engines.add('ejs');
    }
  }
  const templates = summarize(found, manifest, seen);
  for (const t of templates) {
    if (t.description) continue;
    if (t.declared) findings.add('docs/template-description-missing', `template ${t.generator}/${t.template} has no description`, { file: 'package.json' });
    else
      findings.add(
        'manifest/template-undeclared',
        `template ${t.generator}/${t.template} has no description: it is not declared under unjucks.generators and no meta.yml, config.yml or README beside it describes it`,
        { file: t.files[0] },
      );
  }

  // Policy.
  for (const refused of options.refuseCapabilities ?? [])
    for (const c of capabilities.filter((c) => c.name === refused))
      findings.add('policy/capability-refused', `this registry refuses packages with the ${refused} capability (${c.detail})`, { file: c.file });

  // Compatibility and documentation.
  const supported = options.supportedUnjucks ?? DEFAULT_SUPPORTED_UNJUCKS;
  const range = manifest?.engines?.unjucks;
  if (range && !supported.some((v) => semver.satisfies(v, range, { includePrerelease: true })))
    findings.add('compat/engines-unsatisfiable', `engines.unjucks "${range}" admits none of the supported Unjucks versions: ${supported.join(', ')}`, {
      file: 'package.json',
    });
  const readme = files.find((f) => /^readme(\.(md|markdown|txt))?$/i.test(f.path));
  if (!readme || readme.bytes.toString('utf8').trim() === '')
    findings.add('docs/readme-missing', 'the package has no README, or an empty one', { file: 'README.md' });
  if (manifest && !manifest.description?.trim()) findings.add('docs/description-missing', 'package.json has no description', { file: 'package.json' });

  const list = findings.list;
  const errors = list.filter((f) => f.severity === 'error').length;
  const names = [...new Set(capabilities.map((c) => c.name))].sort();
  return {
    ok: errors === 0,
    errors,
    warnings: list.length - errors,
    findings: list,
    capabilities: names,
    capabilityDetails: capabilities,
    quality: errors > 0 ? 0 : qualityScore(manifest, readme, templates),
    templates,
    validator: VALIDATOR_VERSION,
  };
}

/** What the checks of one rendered file give the package's report besides findings. */
interface RenderedFileResult {
  capabilities: { name: CapabilityName; detail: string }[];
  variables: string[];
  frontmatterVariables: VariableSummary[];
  engines: Engine[];
}

/**
 * Every check on one file a tool renders: its frontmatter, then its body and frontmatter values
 * under every engine that renders them. Reads only its arguments (memoized on them: memo.ts);
 * null when the frontmatter is refused.
 */
function checkRenderedFile(
  rf: DiscoveredFile,
  templateDefaults: Record<string, unknown>,
  knownFilters: Set<string>,
  findings: Findings,
): RenderedFileResult | null {
  const fm = parseFrontmatter(rf.path, rf.text, findings);
  if (!fm) return null;
  const engines: Engine[] = [];
  if (rendersWithNunjucks(rf.nunjucks, fm.body)) engines.push('nunjucks');
  // Hygen renders it with EJS too; without an EJS tag that render is the text itself, which the Nunjucks checks already cover.
  if (rf.hygen && (engines.length === 0 || rf.text.includes('<%'))) engines.push('ejs');
  // Unjucks 1.x renders the frontmatter values (to: first) of every file it writes but .ejs and .ejs.t with Nunjucks,
  // and writes a file without to: under its own path: checked even when the body is not Nunjucks.
  const valuesOnly = rf.unjucksOutput !== undefined && !engines.includes('nunjucks') && !UNJUCKS_EJS_NAME.test(rf.path);
  const fmVars = frontmatterVariables(fm.data.variables);
  const variableDefaults = { ...templateDefaults };
  for (const v of fmVars) if (v.default !== undefined && !(v.name in variableDefaults)) variableDefaults[v.name] = v.default;

  if (rf.role === 'template') {
    const lineOf = (k: string) => fm.keyLines.get(k);
    for (const key of Object.keys(fm.data))
      if (!KNOWN_KEYS.has(key) && !readsAttribute(fm.body, key))
        findings.add('frontmatter/unknown-key', `frontmatter key "${key}" is not one Unjucks or Hygen reads`, { file: rf.path, line: lineOf(key) });
    // A file with frontmatter that neither writes (to:) nor runs or prints anything does nothing in Hygen.
    if (fm.bodyLine > 1 && !ACTION_KEYS.some((k) => fm.data[k] !== undefined && fm.data[k] !== null && fm.data[k] !== ''))
      findings.add('frontmatter/no-to', 'the template has frontmatter but no to: (nor sh:, setup:, echo: or message:)', { file: rf.path, line: 1 });
  }
  const outputPath = rf.unjucksOutput;
  const results = [];
  if (engines.length)
    results.push(checkTemplateFile({ file: rf.path, text: rf.text, engines, frontmatter: fm, variableDefaults, knownFilters, findings, outputPath }));
  if (valuesOnly)
    results.push(
      checkTemplateFile({
        file: rf.path,
        text: '',
        engines: ['nunjucks'],
        frontmatter: { ...fm, body: '' },
        variableDefaults,
        knownFilters,
        findings,
        outputPath,
      }),
    );
  return {
    capabilities: results.flatMap((x) => x.capabilities),
    variables: [...new Set(results.flatMap((x) => [...x.variables]))],
    frontmatterVariables: fmVars,
    engines,
  };
}

/**
 * 0-100, from what a user gets (weights in the README): a README (15), a description (10),
 * keywords (5), a license (5), a repository (5), engines.unjucks (5); templates found (10), the
 * share of them described (20), the share of generators described (5), and the share of their
 * variables described (20; a template with no variables counts as fully described). Where a
 * description comes from (manifest, meta.yml/config.yml, README beside the template, prompt
 * messages) does not matter; findings do not count, except that an error makes it 0.
 */
function qualityScore(manifest: Manifest | null, readme: PackageFile | undefined, templates: TemplateSummary[]): number {
  let score = 0;
  if (readme?.bytes.toString('utf8').trim()) score += 15;
  if (manifest?.description?.trim()) score += 10;
  if (manifest?.keywords?.length) score += 5;
  if (manifest?.license) score += 5;
  if (manifest?.repository) score += 5;
  if (manifest?.engines?.unjucks) score += 5;
  if (templates.length > 0) {
    const share = (n: number, of: number) => (of === 0 ? 1 : n / of);
    score += 10;
    score += 20 * share(templates.filter((t) => t.description).length, templates.length);
    const generators = new Map(templates.map((t) => [t.generator, Boolean(t.generatorDescription)]));
    score += 5 * share([...generators.values()].filter(Boolean).length, generators.size);
    const perTemplate = templates.map((t) => share((t.variableDetails ?? []).filter((v) => v.description).length, t.variableDetails?.length ?? 0));
    score += 20 * (perTemplate.reduce((a, b) => a + b, 0) / templates.length);
  }
  return Math.round(score);
}

/** Validates a tarball as the registry does: refused entries become findings, not exceptions. */
export async function validateTarball(bytes: Uint8Array, options: ValidateOptions = {}): Promise<ValidationReport> {
  const archive = await readArchiveBytes(bytes, {}, 'collect');
  return validateFiles(archive.files, { ...options, rejected: [...(options.rejected ?? []), ...archive.rejected] });
}

export { RULES };

/** Adds a finding made outside the validator (e.g. a database check) and recounts the report. */
export function appendFinding(report: ValidationReport, rule: RuleId, message: string, where: { file?: string } = {}): ValidationReport {
  const findings = new Findings();
  findings.add(rule, message, where);
  const list = [...report.findings, ...findings.list];
  const errors = list.filter((f) => f.severity === 'error').length;
  return { ...report, findings: list, errors, warnings: list.length - errors, ok: errors === 0, quality: errors > 0 ? 0 : report.quality };
}
