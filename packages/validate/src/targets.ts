import type { CapabilityName } from '@unjucks/core';
import { foldEjsTemplate } from './ejs.js';
import type { Findings, RuleId } from './findings.js';
import { possiblePaths, TOP } from './fold.js';
import { foldNunjucksTemplate } from './nunjucks-ast.js';

const SHELL_RC = new Set([
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.profile',
  '.zshrc',
  '.zprofile',
  '.zshenv',
  '.zlogin',
  '.zlogout',
  '.cshrc',
  '.tcshrc',
  '.kshrc',
  '.login',
  '.logout',
  'config.fish',
  '.inputrc',
]);
const CI_PATHS = [
  /(^|\/)\.github\/workflows\//,
  /(^|\/)\.github\/actions\//,
  /(^|\/)\.gitlab-ci\.ya?ml$/,
  /(^|\/)\.circleci\//,
  /(^|\/)\.travis\.ya?ml$/,
  /(^|\/)azure-pipelines\.ya?ml$/,
  /(^|\/)bitbucket-pipelines\.ya?ml$/,
  /(^|\/)jenkinsfile$/,
  /(^|\/)\.buildkite\//,
  /(^|\/)\.drone\.ya?ml$/,
  /(^|\/)\.woodpecker(\.ya?ml|\/)/,
];
const NPMRC = new Set(['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs', '.pnpmfile.mjs', 'bunfig.toml']);
// Files that run code when a project is opened in an editor, entered in a shell, built or installed.
const AUTORUN_PATHS = [
  /(^|\/)\.husky\//,
  /(^|\/)\.vscode\/(tasks|settings|launch)\.json$/,
  /(^|\/)\.devcontainer(\/|\.json$)/,
  /(^|\/)\.envrc$/,
  /(^|\/)\.idea\/(workspace|tasks)\.xml$/,
  /(^|\/)\.lefthook(-local)?\.ya?ml$/,
  /(^|\/)lefthook(-local)?\.ya?ml$/,
  /(^|\/)\.pre-commit-config\.ya?ml$/,
  /(^|\/)\.simple-git-hooks\.(c?js|json)$/,
  /(^|\/)\.git-hooks\//,
  /(^|\/)\.config\/husky\//,
];
/** npm lifecycle scripts: they run on `npm install`, `npm publish`, `npm pack` without being asked for. */
export const LIFECYCLE_SCRIPTS = [
  'preinstall',
  'install',
  'postinstall',
  'prepare',
  'prepublish',
  'prepublishOnly',
  'prepack',
  'postpack',
  'dependencies',
  'preuninstall',
  'uninstall',
  'postuninstall',
];

export type PathProblem =
  | { kind: 'error'; rule: Extract<RuleId, 'frontmatter/to-escapes-root' | 'frontmatter/sensitive-target'>; message: string }
  | { kind: 'capability'; name: CapabilityName; detail: string };

/**
 * A path segment as case-insensitive, normalizing file systems see it: Windows drops trailing dots
 * and spaces, and macOS and Windows ignore letter case, so `.GIT.` is `.git`.
 */
function folded(segment: string): string {
  const f = segment
    // HFS+ ignores these code points in names: ".g\u200cit" is ".git" on macOS (CVE-2014-9390).
    .replace(/[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g, '')
    // NTFS alternate data streams: ".git::$INDEX_ALLOCATION" is the .git folder.
    .replace(/:.*$/, '')
    .normalize('NFC')
    .toUpperCase()
    .toLowerCase()
    // NTFS 8.3 short names: "GIT~1" is ".git", "SSH~1" is ".ssh".
    .replace(/^(git|ssh)~\d+$/, '.$1');
  const stripped = f.replace(/[. ]+$/, '');
  // A segment of only dots and spaces is "." or, with two dots or more, taken as "..": Windows
  // strips trailing dots and spaces, so "... " cannot be trusted to name a folder.
  if (stripped === '') return (f.match(/\./g) ?? []).length >= 2 ? '..' : '.';
  return stripped;
}

/**
 * What writing to `path` (relative to the destination folder) can do: leave the folder, touch a
 * sensitive target (errors), or write a file that runs code or configures CI or the package manager
 * (capabilities). Used for `to:` values and for files whose output path is their own name.
 */
export function checkOutputPath(path: string): PathProblem[] {
  const out: PathProblem[] = [];
  const p = path.trim();
  if (p === '') return out;
  const segments = p.split(/[\\/]+/);
  const foldedSegs = segments.map(folded);
  if (/^[/\\~]/.test(p) || /^[A-Za-z]:/.test(p) || p.includes('\0') || foldedSegs.includes('..') || /^\\\\/.test(p)) {
    out.push({ kind: 'error', rule: 'frontmatter/to-escapes-root', message: `"${p}" leaves the destination folder` });
    return out;
  }
  const norm = foldedSegs.filter((s) => s !== '.' && s !== '').join('/');
  const base = foldedSegs[foldedSegs.length - 1] ?? '';
  if (foldedSegs.includes('.git')) out.push({ kind: 'error', rule: 'frontmatter/sensitive-target', message: `"${p}" writes inside .git/` });
  else if (foldedSegs.includes('.ssh')) out.push({ kind: 'error', rule: 'frontmatter/sensitive-target', message: `"${p}" writes inside .ssh/` });
  else if (SHELL_RC.has(base)) out.push({ kind: 'error', rule: 'frontmatter/sensitive-target', message: `"${p}" writes the shell start-up file ${base}` });
  if (CI_PATHS.some((re) => re.test(norm))) out.push({ kind: 'capability', name: 'ci-config', detail: `writes CI configuration ${norm}` });
  if (NPMRC.has(base)) out.push({ kind: 'capability', name: 'npmrc', detail: `writes package-manager configuration ${norm}` });
  if (AUTORUN_PATHS.some((re) => re.test(norm)))
    out.push({ kind: 'capability', name: 'autorun', detail: `writes ${norm}, which runs code when the project is opened, entered or committed` });
  return out;
}

/**
 * The lifecycle scripts a package.json body (whole, or a fragment injected into one) declares: a key
 * with a string value (or one a template fills in). `"dependencies": {` is the field, not the script.
 */
export function lifecycleScripts(body: string): string[] {
  return LIFECYCLE_SCRIPTS.filter((s) => new RegExp(`["'\`]${s}["'\`]\\s*:\\s*(["'\`]|\\{\\{|<%)`).test(body));
}

export interface TargetResult {
  capabilities: { name: CapabilityName; detail: string }[];
  variables: Set<string>;
  /** The paths the value can render to (holes shown as "x"). */
  paths: string[];
}

/**
 * Checks one `to:` (or `from:`) value by folding the expression it is built from into every path
 * it can render (under each engine that renders it): every one must stay a relative path inside
 * the destination and keep out of sensitive targets. A value the package controls but the
 * analysis cannot work out is refused.
 */
export function checkTarget(
  file: string,
  key: string,
  value: unknown,
  engines: ('nunjucks' | 'ejs')[],
  line: number | undefined,
  inject: boolean,
  findings: Findings,
  defaults: Record<string, unknown> = {},
): TargetResult {
  const result: TargetResult = { capabilities: [], variables: new Set(), paths: [] };
  if (value === null || value === undefined || value === false || value === '') return result;
  const raw = String(value);
  const where = { file, line };
  const seen = new Set<string>();
  for (const engine of engines) {
    let r: ReturnType<typeof foldEjsTemplate>;
    try {
      r = engine === 'nunjucks' ? foldNunjucksTemplate(raw, defaults) : foldEjsTemplate(raw, defaults);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      r = { values: [TOP], variables: new Set() };
    }
    if (!r) {
      findings.add(
        engine === 'nunjucks' ? 'syntax/nunjucks' : 'ejs/syntax',
        `the ${key}: value does not compile as ${engine === 'nunjucks' ? 'Nunjucks' : 'EJS'}`,
        where,
      );
      continue;
    }
    r.variables.forEach((v) => result.variables.add(v));
    const paths = possiblePaths(r.values);
    if (!paths) {
      findings.add(
        'frontmatter/unprovable-target',
        `${key}: "${raw}" is built in a way the validator cannot work out, so it cannot be shown to stay inside the destination`,
        where,
      );
      continue;
    }
    result.paths.push(...paths);
    for (const path of paths) {
      if (path.trim() === '' || path.trim() === 'null') continue;
      for (const problem of checkOutputPath(path)) {
        const id = problem.kind === 'error' ? `${problem.rule}` : `${problem.name}:${problem.detail}`;
        if (seen.has(id)) continue;
        seen.add(id);
        if (problem.kind === 'error') findings.add(problem.rule, `${key}: "${raw}" can render to ${problem.message.replace(/^"[^"]*"/, `"${path}"`)}`, where);
        else if (key === 'to') result.capabilities.push({ name: problem.name, detail: problem.detail });
      }
      if (key === 'to' && inject && /(^|\/)package\.json$/i.test(path) && !seen.has('package-scripts')) {
        seen.add('package-scripts');
        result.capabilities.push({ name: 'package-scripts', detail: `injects into ${path}` });
      }
    }
  }
  return result;
}
