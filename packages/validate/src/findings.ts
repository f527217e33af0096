import type { Finding, Severity } from '@unjucks/core';

/** Collects findings; each rule's severity and hint live in one table so every caller agrees. */
export class Findings {
  readonly list: Finding[] = [];

  add(rule: RuleId, message: string, where: { file?: string; line?: number; column?: number } = {}, severity?: Severity) {
    const def = RULES[rule];
    this.list.push({ rule, severity: severity ?? def.severity, ...where, message, hint: def.hint });
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
  'manifest/template-undeclared': w('Declare the template under unjucks.generators.<generator>.templates so users can see it and its variables.'),
  'manifest/variable-default': e("Change the default so it satisfies the variable's own schema (type, enum, pattern)."),
  'syntax/nunjucks': e('Fix the template syntax at the position shown.'),
  'syntax/ejs-in-njk': w('Nunjucks does not understand <% %>; use {{ }} and {% %}, or rename the file to .ejs.t.'),
  'frontmatter/js-fence': e('Use plain YAML frontmatter (---); executable frontmatter is refused.'),
  'frontmatter/too-large': e('Keep frontmatter under 64 KiB; move data into the template body or the manifest.'),
  'frontmatter/yaml': e('Fix the YAML syntax of the frontmatter.'),
  'frontmatter/alias-bomb': e('Remove the YAML aliases; expanded aliases are capped to stop "billion laughs" documents.'),
  'frontmatter/custom-tag': e('Remove the YAML tag; only plain YAML values are allowed.'),
  'frontmatter/unquoted-expression': e('Quote the value, e.g. to: "{{ name }}.tsx"; Unjucks silently drops frontmatter whose value starts with {{ unquoted.'),
  'frontmatter/no-to': w('Add to: with the output path; without it Unjucks writes the file under its own name.'),
  'frontmatter/unknown-key': w('Remove the key or check its spelling; Unjucks and Hygen ignore keys they do not know.'),
  'frontmatter/to-escapes-root': e('Make to: a relative path inside the destination: no leading /, ~, drive letter or "..".'),
  'frontmatter/sensitive-target': e('Do not write into .git/, shell start-up files or ~/.ssh; generators must not change those.'),
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
  'docs/variable-description-missing': w('Add a description to each variable in the variables schema of its template.'),
} satisfies Record<string, { severity: Severity; hint: string }>;

export type RuleId = keyof typeof RULES;
