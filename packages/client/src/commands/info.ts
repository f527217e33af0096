import { resolveSpec, SCRIPT_CAPABILITIES, sortVersions, type PackageDoc, type VariableSchema } from '@unjucks/core';
import type { Settings } from '../config.js';
import { CliError } from '../errors.js';
import { getJson, packageUrl } from '../http.js';

export async function infoCommand(settings: Settings, opts: { name: string; spec: string }) {
  const doc = await getJson<PackageDoc>(settings, packageUrl(settings.registry, opts.name), `looking up ${opts.name}`);
  const versions = sortVersions(Object.keys(doc.versions));
  const chosen = resolveSpec(opts.spec, versions, doc['dist-tags']);
  if (!chosen) throw new CliError(`no version of ${opts.name} matches "${opts.spec}" (versions: ${versions.join(', ')})`);
  const v = doc.versions[chosen]!;
  return {
    name: doc.name,
    version: chosen,
    description: v.manifest.description ?? null,
    'dist-tags': doc['dist-tags'],
    versions,
    deprecated: v.deprecated ?? null,
    engines: v.manifest.engines ?? null,
    dist: v.dist,
    capabilities: v.capabilities ?? [],
    quality: v.quality ?? null,
    generators: v.manifest.unjucks?.generators ?? {},
  };
}

function describeVariables(schema: VariableSchema | undefined): string[] {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  return Object.entries(props).map(([k, s]) => {
    const bits = [s.type ? String(s.type) : 'any'];
    if (required.has(k)) bits.push('required');
    if (s.enum) bits.push(`one of ${s.enum.map((e) => JSON.stringify(e)).join('|')}`);
    if (s.default !== undefined) bits.push(`default ${JSON.stringify(s.default)}`);
    return `      ${k} (${bits.join(', ')})${s.description ? `: ${s.description}` : ''}`;
  });
}

export function formatInfo(info: Awaited<ReturnType<typeof infoCommand>>): string {
  const lines = [`${info.name}@${info.version}${info.description ? ` — ${info.description}` : ''}`];
  if (info.deprecated) lines.push(`DEPRECATED: ${info.deprecated}`);
  lines.push(`dist-tags: ${Object.entries(info['dist-tags']).map(([t, v]) => `${t}=${v}`).join(' ') || '(none)'}`);
  lines.push(`versions: ${info.versions.join(', ')}`);
  if (info.engines?.unjucks) lines.push(`engines.unjucks: ${info.engines.unjucks}`);
  lines.push(`tarball: ${info.dist.tarball} (${info.dist.fileCount} files, ${info.dist.unpackedSize} bytes)`);
  if (info.quality !== null) lines.push(`quality: ${info.quality}/100`);
  lines.push(`capabilities: ${info.capabilities.length ? `${info.capabilities.join(', ')}${info.capabilities.some((c) => SCRIPT_CAPABILITIES.includes(c)) ? ' (install needs --allow-scripts)' : ''}` : 'none (writes files only)'}`);
  const gens = Object.entries(info.generators);
  lines.push(gens.length ? 'generators:' : 'generators: (none declared)');
  for (const [g, gen] of gens) {
    lines.push(`  ${g}${gen.description ? ` — ${gen.description}` : ''}`);
    for (const [t, tmpl] of Object.entries(gen.templates ?? {})) {
      lines.push(`    ${g} ${t}${tmpl.description ? ` — ${tmpl.description}` : ''}`);
      lines.push(...describeVariables(tmpl.variables));
    }
  }
  return lines.join('\n');
}
