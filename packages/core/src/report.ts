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

/** What a package can do beyond writing files into the destination. */
export type CapabilityName = 'shell' | 'chmod' | 'hooks' | 'ci-config' | 'npmrc' | 'package-scripts';

export interface Capability {
  name: CapabilityName;
  file: string;
  detail: string;
}

export interface TemplateSummary {
  generator: string;
  template: string;
  files: string[];
  /** Variable names: declared ones from the manifest, else inferred from the templates. */
  variables: string[];
  /** True when the manifest declared no variables and these were inferred from the syntax tree. */
  inferred: boolean;
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
