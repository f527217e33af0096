import type { Manifest, VariableSchema } from './manifest.js';
import type { TemplateSummary, VariableSummary } from './report.js';

/** A template as users see it in `info`, search and the package document. */
export interface TemplateListing {
  name: string;
  description: string;
  layout: 'folder' | 'file';
  tools: ('unjucks' | 'hygen')[];
  engines: ('nunjucks' | 'ejs')[];
  /** Declared under unjucks.generators, or found only in the tree. */
  declared: boolean;
  files: string[];
  variables: VariableSummary[];
}

export interface GeneratorListing {
  name: string;
  description: string;
  templates: TemplateListing[];
}

/** A declared JSON Schema's properties as variable summaries. */
export function variablesOfSchema(schema: VariableSchema | undefined): VariableSummary[] {
  const required = new Set(schema?.required ?? []);
  return Object.entries(schema?.properties ?? {}).map(([name, s]) => ({
    name,
    ...(s.type !== undefined ? { type: Array.isArray(s.type) ? s.type.join('|') : s.type } : {}),
    ...(required.has(name) ? { required: true } : {}),
    ...(s.default !== undefined ? { default: s.default } : {}),
    ...(s.description || s['x-prompt'] ? { description: s.description ?? s['x-prompt'] } : {}),
    source: 'manifest' as const,
  }));
}

/**
 * The generators of a version: what the validator discovered in the tree (its report), refined by
 * the manifest's `unjucks.generators`. Reports stored before discovery existed hold only names;
 * for those the declared block fills in what it can, so old versions keep showing what they showed.
 */
export function generatorsOf(manifest: Manifest, templates: TemplateSummary[] | null | undefined): GeneratorListing[] {
  const declared = manifest.unjucks?.generators ?? {};
  const byGenerator = new Map<string, GeneratorListing>();
  const generator = (name: string) => {
    let g = byGenerator.get(name);
    if (!g) {
      g = { name, description: declared[name]?.description ?? '', templates: [] };
      byGenerator.set(name, g);
    }
    return g;
  };

  for (const t of templates ?? []) {
    const decl = declared[t.generator]?.templates?.[t.template];
    const g = generator(t.generator);
    if (!g.description && t.generatorDescription) g.description = t.generatorDescription;
    const variables: VariableSummary[] =
      t.variableDetails ??
      (decl?.variables?.properties ? variablesOfSchema(decl.variables) : t.variables.map((name) => ({ name, source: 'inferred' as const })));
    g.templates.push({
      name: t.template,
      description: t.description ?? decl?.description ?? '',
      layout: t.layout ?? 'folder',
      tools: t.tools ?? [],
      engines: t.engines ?? [],
      declared: t.declared ?? !!decl,
      files: t.files,
      variables,
    });
  }
  // Declared templates a report does not list (no report, or one from before discovery).
  for (const [gName, gen] of Object.entries(declared))
    for (const [tName, tmpl] of Object.entries(gen.templates ?? {})) {
      const g = generator(gName);
      if (g.templates.some((t) => t.name === tName)) continue;
      g.templates.push({
        name: tName,
        description: tmpl.description ?? '',
        layout: 'folder',
        tools: [],
        engines: [],
        declared: true,
        files: [],
        variables: variablesOfSchema(tmpl.variables),
      });
    }

  const list = [...byGenerator.values()].filter((g) => g.templates.length > 0);
  for (const g of list) g.templates.sort((a, b) => a.name.localeCompare(b.name));
  return list.sort((a, b) => a.name.localeCompare(b.name));
}
