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
  type TemplateInfo,
  type TemplateSummary,
  type ValidationReport,
} from '@unjucks/core';
import { Findings, RULES, type RuleId } from './findings.js';
import { checkTemplateFile } from './check-file.js';
import { parseFrontmatter } from './frontmatter.js';
import { defaultProblems } from './schema-default.js';
import { scanSecrets } from './secrets.js';
import { BUILTIN_FILTERS, EJS_EXT, HOOK_FILES, KNOWN_KEYS, NUNJUCKS_EXT } from './tools.js';

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
}

const WINDOWS_BAD = /[<>:"|?*]/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

const isBinary = (bytes: Buffer) => bytes.subarray(0, 8000).includes(0);

/**
 * Validates a package's files (paths below package/) and returns the report. It parses, walks and
 * scans, and never renders or runs anything the package contains.
 */
export function validateFiles(files: PackageFile[], options: ValidateOptions = {}): ValidationReport {
  const findings = new Findings();
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

  // Templates present on disk: _templates/<generator>/<template>/...
  const present = new Map<string, PackageFile[]>();
  for (const f of files) {
    const parts = f.path.split('/');
    if (parts[0] !== TEMPLATES_DIR || parts.length < 4) continue;
    const key = `${parts[1]}/${parts[2]}`;
    present.set(key, [...(present.get(key) ?? []), f]);
  }
  if (!files.some((f) => f.path.startsWith(`${TEMPLATES_DIR}/`)))
    findings.add('manifest/no-templates', `the package has no files under ${TEMPLATES_DIR}/`);

  const declared = new Map<string, TemplateInfo>();
  const generators = manifest?.unjucks?.generators ?? {};
  for (const [g, gen] of Object.entries(generators))
    for (const [t, tmpl] of Object.entries(gen.templates ?? {})) {
      declared.set(`${g}/${t}`, tmpl);
      if (!present.has(`${g}/${t}`))
        findings.add('manifest/template-missing', `unjucks.generators declares ${g}/${t}, but ${TEMPLATES_DIR}/${g}/${t}/ does not exist`, { file: 'package.json' });
      if (!tmpl.description) findings.add('docs/template-description-missing', `template ${g}/${t} has no description`, { file: 'package.json' });
      if (tmpl.variables) {
        for (const p of defaultProblems(tmpl.variables)) findings.add('manifest/variable-default', `template ${g}/${t}: ${p}`, { file: 'package.json' });
        for (const [v, s] of Object.entries(tmpl.variables.properties ?? {}))
          if (!s.description && !s['x-prompt']) findings.add('docs/variable-description-missing', `variable ${v} of ${g}/${t} has no description`, { file: 'package.json' });
      }
    }
  for (const key of present.keys())
    if (manifest && !declared.has(key)) findings.add('manifest/template-undeclared', `${TEMPLATES_DIR}/${key}/ is not declared under unjucks.generators`, { file: 'package.json' });

  const declaredFilters = new Set(
    Array.isArray(manifest?.unjucks?.filters) ? (manifest!.unjucks!.filters as unknown[]).filter((f): f is string => typeof f === 'string') : [],
  );
  const knownFilters = new Set([...BUILTIN_FILTERS, ...declaredFilters]);

  // Files.
  const inferred = new Map<string, Set<string>>();
  for (const f of files) {
    const base = f.path.split('/').pop()!;
    const parts = f.path.split('/');
    if (WINDOWS_BAD.test(f.path) || parts.some((p) => WINDOWS_RESERVED.test(p) || /[. ]$/.test(p)))
      findings.add('compat/windows-filename', `${f.path} cannot be created on Windows`, { file: f.path });
    if (HOOK_FILES.has(base) && (f.path.startsWith(`${TEMPLATES_DIR}/`) || base.startsWith('.hygen')))
      addCapability('hooks', f.path, `${base} is code that Hygen-style tools run`);
    if (isBinary(f.bytes)) continue;
    const text = f.bytes.toString('utf8');
    scanSecrets(f.path, text, findings);

    if (!f.path.startsWith(`${TEMPLATES_DIR}/`) || parts.length < 4) continue;
    const engine = NUNJUCKS_EXT.test(base) ? 'nunjucks' : EJS_EXT.test(base) ? 'ejs' : text.startsWith('---') ? 'nunjucks' : null;
    if (!engine) continue;
    const fm = parseFrontmatter(f.path, text, findings);
    if (!fm) continue;
    const templateKey = `${parts[1]}/${parts[2]}`;
    const vars = inferred.get(templateKey) ?? new Set<string>();
    inferred.set(templateKey, vars);
    const lineOf = (k: string) => fm.keyLines.get(k);

    for (const key of Object.keys(fm.data))
      if (!KNOWN_KEYS.has(key)) findings.add('frontmatter/unknown-key', `frontmatter key "${key}" is not one Unjucks or Hygen reads`, { file: f.path, line: lineOf(key) });
    if (text.startsWith('---') && !('to' in fm.data)) findings.add('frontmatter/no-to', 'the template has frontmatter but no to:', { file: f.path, line: 1 });
    const r = checkTemplateFile({ file: f.path, text, engines: [engine], frontmatter: fm, variableDefaults: {}, knownFilters, findings });
    r.variables.forEach((v) => vars.add(v));
    for (const c of r.capabilities) addCapability(c.name, f.path, c.detail);
  }

  // Policy.
  for (const refused of options.refuseCapabilities ?? [])
    for (const c of capabilities.filter((c) => c.name === refused))
      findings.add('policy/capability-refused', `this registry refuses packages with the ${refused} capability (${c.detail})`, { file: c.file });

  // Compatibility and documentation.
  const supported = options.supportedUnjucks ?? DEFAULT_SUPPORTED_UNJUCKS;
  const range = manifest?.engines?.unjucks;
  if (range && !supported.some((v) => semver.satisfies(v, range, { includePrerelease: true })))
    findings.add('compat/engines-unsatisfiable', `engines.unjucks "${range}" admits none of the supported Unjucks versions: ${supported.join(', ')}`, { file: 'package.json' });
  const readme = files.find((f) => /^readme(\.(md|markdown|txt))?$/i.test(f.path));
  if (!readme || readme.bytes.toString('utf8').trim() === '') findings.add('docs/readme-missing', 'the package has no README, or an empty one', { file: 'README.md' });
  if (manifest && !manifest.description?.trim()) findings.add('docs/description-missing', 'package.json has no description', { file: 'package.json' });

  const templates: TemplateSummary[] = [...present.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, tfiles]) => {
      const [generator, template] = key.split('/') as [string, string];
      const decl = manifest?.unjucks?.generators?.[generator]?.templates?.[template];
      const declaredVars = decl?.variables?.properties ? Object.keys(decl.variables.properties) : null;
      return {
        generator,
        template,
        files: tfiles.map((f) => f.path).sort(),
        variables: declaredVars ?? [...(inferred.get(key) ?? [])].sort(),
        inferred: declaredVars === null,
      };
    });

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
    quality: errors > 0 ? 0 : qualityScore(manifest, readme, templates, list.map((f) => f.rule)),
    templates,
    validator: VALIDATOR_VERSION,
  };
}

/**
 * 0-100, from what a user needs to pick and run a package (weights in the README): a README (20),
 * a description (10), every template declared (15) and described (15), variables declared rather
 * than inferred (15) and described (10), engines.unjucks (5), a license (5), a repository (5).
 */
function qualityScore(manifest: Manifest | null, readme: PackageFile | undefined, templates: TemplateSummary[], rules: string[]): number {
  const has = (rule: string) => rules.includes(rule);
  let score = 0;
  if (readme && readme.bytes.toString('utf8').trim()) score += 20;
  if (manifest?.description?.trim()) score += 10;
  if (!has('manifest/template-undeclared')) score += 15;
  if (!has('docs/template-description-missing') && !has('manifest/template-undeclared')) score += 15;
  if (templates.length > 0 && templates.every((t) => !t.inferred)) score += 15;
  if (!has('docs/variable-description-missing') && templates.every((t) => !t.inferred)) score += 10;
  if (manifest?.engines?.unjucks) score += 5;
  if (manifest?.license) score += 5;
  if (manifest?.repository) score += 5;
  return score;
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
