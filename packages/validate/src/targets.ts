import type { CapabilityName } from '@unjucks/core';
import type { Findings } from './findings.js';
import { probeRenderNunjucks } from './nunjucks-ast.js';

const SHELL_RC = new Set(['.bashrc', '.bash_profile', '.bash_login', '.bash_logout', '.profile', '.zshrc', '.zprofile', '.zshenv', '.zlogin', '.cshrc', '.tcshrc', '.kshrc', 'config.fish']);
const CI_PATHS = [/(^|\/)\.github\/workflows\//, /(^|\/)\.gitlab-ci\.ya?ml$/, /(^|\/)\.circleci\//, /(^|\/)\.travis\.ya?ml$/, /(^|\/)azure-pipelines\.ya?ml$/, /(^|\/)bitbucket-pipelines\.ya?ml$/, /(^|\/)Jenkinsfile$/, /(^|\/)\.buildkite\//];
const NPMRC = new Set(['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs']);

/** EJS (Hygen): string literals kept, other output tags become "probe", logic tags vanish. */
function probeRenderEjs(value: string): string {
  return value
    .replace(/<%[=-]\s*(['"`])([^'"`]*)\1\s*-?%>/g, '$2')
    .replace(/<%[=-][\s\S]*?%>/g, 'probe')
    .replace(/<%[\s\S]*?%>/g, '');
}

export interface TargetResult {
  capabilities: { name: CapabilityName; detail: string }[];
  variables: Set<string>;
}

/**
 * Checks one `to:` (or `from:`) value after rendering it with probe values: it must stay a
 * relative path inside the destination and keep out of .git, shell start-up files and ~/.ssh.
 */
export function checkTarget(
  file: string,
  key: string,
  value: unknown,
  engine: 'nunjucks' | 'ejs',
  line: number | undefined,
  inject: boolean,
  findings: Findings,
): TargetResult {
  const result: TargetResult = { capabilities: [], variables: new Set() };
  if (value === null || value === undefined || value === false || value === '') return result;
  const raw = String(value);
  let text: string;
  if (engine === 'nunjucks') {
    const r = probeRenderNunjucks(raw);
    if (!r) {
      findings.add('syntax/nunjucks', `the ${key}: value is not a valid nunjucks expression`, { file, line });
      return result;
    }
    text = r.text;
    result.variables = r.variables;
  } else text = probeRenderEjs(raw);
  text = text.trim();
  if (text === '' || text === 'null') return result;

  const where = { file, line };
  const segments = text.split(/[\\/]+/);
  if (text.startsWith('/') || text.startsWith('\\') || text.startsWith('~') || /^[A-Za-z]:/.test(text) || text.includes('\0') || segments.includes('..')) {
    findings.add('frontmatter/to-escapes-root', `${key}: "${raw}" renders to "${text}", which leaves the destination folder`, where);
    return result;
  }
  const norm = segments.filter((s) => s !== '.' && s !== '').join('/');
  const base = segments[segments.length - 1] ?? '';
  if (segments.includes('.git')) findings.add('frontmatter/sensitive-target', `${key}: "${raw}" writes inside .git/`, where);
  else if (segments.includes('.ssh')) findings.add('frontmatter/sensitive-target', `${key}: "${raw}" writes inside .ssh/`, where);
  else if (SHELL_RC.has(base)) findings.add('frontmatter/sensitive-target', `${key}: "${raw}" writes the shell start-up file ${base}`, where);
  if (key !== 'to') return result;
  if (CI_PATHS.some((re) => re.test(norm))) result.capabilities.push({ name: 'ci-config', detail: `writes CI configuration ${norm}` });
  if (NPMRC.has(base)) result.capabilities.push({ name: 'npmrc', detail: `writes package-manager configuration ${norm}` });
  if (inject && base === 'package.json') result.capabilities.push({ name: 'package-scripts', detail: `injects into ${norm}` });
  return result;
}
