/** Shared shape of a validation report: the server stores and serves it, the CLI prints it. */

export type Severity = 'error' | 'warning';

export interface Finding {
  /** Stable id such as `tar/link`, `frontmatter/to-escapes-root` or `nunjucks/unsafe-member`. */
  rule: string;
  severity: Severity;
  /** Path below package/, when the finding is about one file. */
  file?: string;
  line?: number;
  column?: number;
  message: string;
  /** How to fix it. */
  hint: string;
}

/**
 * What a package can do beyond writing files into the destination.
 * - `template-code`: EJS code the validator cannot prove harmless (it runs as JavaScript at generate time).
 * - `autorun`: writes a file that runs code when the project is opened, built or installed
 *   (`.husky/*`, `.vscode/tasks.json`, `.devcontainer/`, `.envrc`, package.json lifecycle scripts).
 */
export const CAPABILITY_NAMES = ['shell', 'chmod', 'hooks', 'ci-config', 'npmrc', 'package-scripts', 'template-code', 'autorun'] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** Capabilities that run code on the user's machine: `unjucks install` needs --allow-scripts for them. */
export const SCRIPT_CAPABILITIES: readonly CapabilityName[] = ['shell', 'hooks', 'template-code', 'autorun'];

export interface Capability {
  name: CapabilityName;
  file: string;
  detail: string;
}

/** One variable a template reads, with what is known of it and where that came from. */
export interface VariableSummary {
  name: string;
  type?: string;
  required?: boolean;
  default?: unknown;
  description?: string;
  /** Where the details come from: the manifest's JSON Schema, a meta/config file, a prompt file, frontmatter, or the template text. */
  source: 'manifest' | 'meta' | 'prompt' | 'frontmatter' | 'inferred';
}

/**
 * A template as the tools find it (discovered from the tree, refined by a declared
 * `unjucks.generators` block). Reports stored before discovery existed carry only the first five fields.
 */
export interface TemplateSummary {
  /** Generator path below _templates/ (nested generators keep their slashes). */
  generator: string;
  template: string;
  files: string[];
  /** Variable names: declared ones from the manifest, else inferred from the templates. */
  variables: string[];
  /** True when the manifest declared no variables and these were inferred from the syntax tree. */
  inferred: boolean;
  description?: string;
  generatorDescription?: string;
  /** `folder`: _templates/<generator>/<template>/**; `file`: Unjucks' single-file _templates/<generator>/<file>.njk. */
  layout?: 'folder' | 'file';
  /** The tools that render it, and with which engines. */
  tools?: ('unjucks' | 'hygen')[];
  engines?: ('nunjucks' | 'ejs')[];
  /** Declared under unjucks.generators (true), or found only in the tree (false). */
  declared?: boolean;
  variableDetails?: VariableSummary[];
}

export interface ValidationReport {
  /** False when any finding is an error: such a package is refused. */
  ok: boolean;
  errors: number;
  warnings: number;
  findings: Finding[];
  /** Distinct capability names, sorted; `capabilityDetails` says where each comes from. */
  capabilities: CapabilityName[];
  capabilityDetails: Capability[];
  /** 0-100; see the README for the weights. */
  quality: number;
  templates: TemplateSummary[];
  validator: string;
}
