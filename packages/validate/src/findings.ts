import type { Finding, Severity } from '@unjucks/core';

/** How many findings of one rule, and in all, a report keeps; the rest are counted, not stored. */
export const MAX_FINDINGS_PER_RULE = 50;
export const MAX_FINDINGS = 500;
/** How long one package's validation may take before it is refused (ValidateOptions.timeBudgetMs). */
export const DEFAULT_TIME_BUDGET_MS = 10_000;

export interface FindingsOptions {
  timeBudgetMs?: number;
}

/**
 * Collects findings; each rule's severity and hint live in one table so every caller agrees.
 * The list is bounded (per rule and in all), so a hostile package cannot make a report as large as
 * itself; what was left out is counted in a final `report/truncated` finding. It also carries the
 * validation's time budget: checks ask `outOfTime()` and stop, and the package is refused.
 */
export class Findings {
  private readonly kept: Finding[] = [];
  private readonly perRule = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  private readonly deadline: number;
  private readonly budgetMs: number;
  private timedOut = false;
  private calls = 0;

  constructor(options: FindingsOptions = {}) {
    this.budgetMs = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
    this.deadline = Date.now() + this.budgetMs;
  }

  get list(): Finding[] {
    const left = [...this.dropped.values()].reduce((a, b) => a + b, 0);
    if (left === 0) return this.kept;
    const which = [...this.dropped].map(([r, n]) => `${n} ${r}`).join(', ');
    const def = RULES['report/truncated'];
    return [
      ...this.kept,
      { rule: 'report/truncated', severity: def.severity, message: `${left} more finding(s) were left out of this report (${which})`, hint: def.hint },
    ];
  }

  add(rule: RuleId, message: string, where: { file?: string; line?: number; column?: number } = {}, severity?: Severity) {
    const def = RULES[rule];
    const sev = severity ?? def.severity;
    const n = this.perRule.get(rule) ?? 0;
    // Errors past the cap are still counted; the first ones of each rule keep the report failing.
    if (
      rule !== 'report/time-budget' &&
      (n >= MAX_FINDINGS_PER_RULE || (this.kept.length >= MAX_FINDINGS && sev !== 'error') || this.kept.length >= MAX_FINDINGS * 2)
    ) {
      this.dropped.set(rule, (this.dropped.get(rule) ?? 0) + 1);
      return;
    }
    this.perRule.set(rule, n + 1);
    this.kept.push({ rule, severity: sev, ...where, message, hint: def.hint });
  }

  /** True once the time budget is spent; the first call past it records the refusal. */
  outOfTime(): boolean {
    if (this.timedOut) return true;
    // Walks call this per node: look at the clock only every 64th time.
    if ((this.calls++ & 63) !== 0) return false;
    if (Date.now() <= this.deadline) return false;
    this.timedOut = true;
    this.add('report/time-budget', `validation took longer than ${this.budgetMs} ms and was stopped; the package was not fully checked`);
    return true;
  }
}

const e = (hint: string) => ({ severity: 'error' as const, hint });
const w = (hint: string) => ({ severity: 'warning' as const, hint });

export const RULES = {
  'tar/link': e('Replace the link with a copy of the file it points to; packages hold only regular files.'),
  'tar/device': e('Remove the device entry; packages hold only regular files and directories.'),
  'tar/fifo': e('Remove the FIFO entry; packages hold only regular files and directories.'),
  'tar/special-file': e('Remove the entry; packages hold only regular files and directories.'),
  'tar/absolute-path': e('Pack with paths relative to the package folder (unjucks publish does this).'),
  'tar/dotdot': e('Remove ".." from the entry path; every entry must stay under package/.'),
  'tar/backslash': e('Use forward slashes in entry paths.'),
  'tar/drive-letter': e('Remove the drive letter; entry paths are relative.'),
  'tar/nul': e('Remove the NUL byte from the file name.'),
  'tar/control-char': e('Remove control characters from the file name.'),
  'tar/path-too-long': e('Shorten the path.'),
  'tar/outside-package': e('Put every entry under package/, as npm pack and unjucks publish do.'),
  'tar/empty-segment': e('Remove empty or "." segments from the entry path.'),
  'tar/depth': e('Flatten the folder structure.'),
  'tar/collision': e('Rename one of the two files: they are one file on case-insensitive file systems (macOS, Windows).'),
  'manifest/missing': e('Add a package.json with at least "name" and "version".'),
  'manifest/json': e('Fix the JSON syntax of package.json.'),
  'manifest/invalid': e('Fix the field named in the message; see the README for the manifest format.'),
  'manifest/name-non-ascii': e('Use only lowercase ASCII letters, digits and - . _ ~ in the name.'),
  'manifest/dependency-unresolved': w('Publish the dependency to this registry first, or change its range to one a published version matches.'),
  'manifest/name-too-similar': e('Choose a name that differs by more than punctuation and case, or publish under your own @scope.'),
  'manifest/no-templates': e('Put templates in _templates/<generator>/<template>/.'),
  'manifest/template-missing': e('Add the declared template under _templates/<generator>/<template>/, or remove it from unjucks.generators.'),
  'manifest/template-undeclared': w(
    'Describe the template: add a meta.yml with a description beside it, or declare it under unjucks.generators.<generator>.templates.',
  ),
  'manifest/variable-default': e("Change the default so it satisfies the variable's own schema (type, enum, pattern)."),
  'syntax/nunjucks': e('Fix the template syntax at the position shown.'),
  'syntax/ejs-in-njk': w('Nunjucks does not understand <% %>; use {{ }} and {% %}, or rename the file to .ejs.t.'),
  'frontmatter/js-fence': e('Use plain YAML frontmatter (---); executable frontmatter is refused.'),
  'frontmatter/too-large': e('Keep frontmatter under 64 KiB; move data into the template body or the manifest.'),
  'frontmatter/yaml': e('Fix the YAML syntax of the frontmatter.'),
  'frontmatter/alias-bomb': e('Remove the YAML aliases; expanded aliases are capped to stop "billion laughs" documents.'),
  'frontmatter/custom-tag': e('Remove the YAML tag; only plain YAML values are allowed.'),
  'frontmatter/unquoted-expression': e('Quote the value, e.g. to: "{{ name }}.tsx"; Unjucks silently drops frontmatter whose value starts with {{ unquoted.'),
  'frontmatter/no-to': w(
    'Add to: with the output path (or sh:/echo: if the template only runs or prints something); as it is, Hygen renders it and does nothing, and Unjucks writes it under its own name.',
  ),
  'frontmatter/unknown-key': w('Remove the key or check its spelling; Unjucks and Hygen ignore keys they do not know.'),
  'frontmatter/to-escapes-root': e('Make to: a relative path inside the destination: no leading /, ~, drive letter or "..".'),
  'frontmatter/sensitive-target': e('Do not write into .git/, .ssh/ or shell start-up files (in any letter case); generators must not change those.'),
  'nunjucks/unsafe-member': e('Remove the lookup; it is a known way out of the template sandbox.'),
  'nunjucks/unsafe-global': e('Remove the reference; templates get only the variables they are given.'),
  'nunjucks/computed-member': e('Use a literal key (a.b or a["b"]); a computed key cannot be checked before it runs.'),
  'nunjucks/call-result-call': e('Do not call the result of a call (x()()); it is how sandbox escapes run code.'),
  'nunjucks/dynamic-include': e('Use a literal path in include, import and extends.'),
  'nunjucks/include-escapes': e('Include only templates inside the package: no leading /, ~ or "..".'),
  'nunjucks/unknown-filter': w('Use an Unjucks or Nunjucks built-in filter, or declare the filter under unjucks.filters in package.json.'),
  'secret/aws-access-key': e('Remove the key from the package and revoke it in AWS IAM: a published key is compromised.'),
  'secret/github-token': e('Remove the token and revoke it in GitHub settings: a published token is compromised.'),
  'secret/npm-token': e('Remove the token and revoke it with npm token revoke: a published token is compromised.'),
  'secret/private-key': e('Remove the private key from the package and replace the key pair: a published key is compromised.'),
  'secret/registry-token': e('Remove the Unjucks registry token and ask an admin to revoke it: a published token is compromised.'),
  'policy/capability-refused': e('This registry does not accept packages with this capability; remove it or ask the registry admin.'),
  'compat/windows-filename': w('Avoid < > : " | ? * and reserved names (CON, NUL, COM1...) in file names; they cannot be created on Windows.'),
  'compat/engines-unsatisfiable': e('Widen engines.unjucks so it includes a supported Unjucks version (listed in the message).'),
  'docs/readme-missing': w('Add a README.md that says what the generators do and how to run them.'),
  'docs/description-missing': w('Add a "description" to package.json.'),
  'docs/template-description-missing': w('Add a description to each template under unjucks.generators.'),
  'ejs/syntax': e('Fix the JavaScript in the EJS tag at the position shown; EJS compiles every tag into one function.'),
  'ejs/unsafe-global': e('Remove the reference; EJS templates get only their locals and the h helpers, never Node.js globals.'),
  'ejs/unsafe-member': e('Remove the lookup; it is a known way from template data to the JavaScript runtime.'),
  'ejs/include-escapes': e('Include only templates inside the package: no leading /, ~ or "..".'),
  'frontmatter/unprovable-target': e('Build to: from literal text, variables and filters only; the validator must be able to work out where the file goes.'),
  'template/too-large': e('Split the template; a template body this large is refused.'),
  'secret/credential': e('Remove the credential from the package and revoke it with its issuer: a published secret is compromised.'),
  'report/truncated': w('Fix the findings shown first; the rest are usually the same problem repeated.'),
  'report/time-budget': e('Make the package smaller or simpler; validating it took longer than the registry allows.'),
  'docs/variable-description-missing': w('Add a description to each variable in the variables schema of its template.'),
  'metadata/unreadable': w('Fix the YAML of the metadata file (config.yml, meta.yml, template.yml); until then its descriptions and variables are not shown.'),
} satisfies Record<string, { severity: Severity; hint: string }>;

export type RuleId = keyof typeof RULES;
