import { generatorsOf, resolveSpec, SCRIPT_CAPABILITIES, sortVersions, type PackageDoc, type VariableSummary } from '@unjucks/core';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { getJson, packageUrl } from './http.js';
import type { ReviewListResponse } from '@unjucks/core/api-schemas';

/**
 * Versions waiting for review (or rejected), which the registry lists to maintainers only. A
 * registry without reviewed releases answers 404 for the list: info then shows none.
 */
async function heldVersions(settings: Settings, name: string) {
  if (!settings.token) return [];
  const list = await getJson<ReviewListResponse>(
    settings,
    packageUrl(settings.registry, name, 'reviews'),
    `listing the releases of ${name} waiting for review`,
  ).catch(() => null);
  return (list?.versions ?? []).map((v) => ({
    version: v.version,
    status: v.status,
    approvals: v.approvals.filter((a) => a.decision === 'approve').length,
    required: Math.max(1, v.requiredApprovals),
  }));
}

export async function infoCommand(settings: Settings, opts: { name: string; spec: string }) {
  const doc = await getJson<PackageDoc>(settings, packageUrl(settings.registry, opts.name), `looking up ${opts.name}`);
  const versions = sortVersions(Object.keys(doc.versions));
  const chosen = resolveSpec(opts.spec, versions, doc['dist-tags']);
  if (!chosen) throw new CliError(`no version of ${opts.name} matches "${opts.spec}" (versions: ${versions.join(', ')})`);
  const v = doc.versions[chosen]!;
  const held = await heldVersions(settings, opts.name);
  return {
    name: doc.name,
    version: chosen,
    description: v.manifest.description ?? null,
    'dist-tags': doc['dist-tags'],
    versions,
    deprecated: v.deprecated ?? null,
    engines: v.manifest.engines ?? null,
    dependencies: (v.manifest.dependencies ?? {}) as Record<string, string>,
    dist: v.dist,
    capabilities: v.capabilities ?? [],
    quality: v.quality ?? null,
    // A registry from before discovery sends no generators: show what the manifest declares.
    generators: v.generators ?? generatorsOf(v.manifest, null),
    held,
  };
}

function describeVariable(v: VariableSummary): string {
  const bits = [v.type ?? 'any'];
  if (v.required) bits.push('required');
  if (v.default !== undefined) bits.push(`default ${JSON.stringify(v.default)}`);
  if (v.source === 'inferred') bits.push('found in the template');
  return `      ${v.name} (${bits.join(', ')})${v.description ? `: ${v.description}` : ''}`;
}

export function formatInfo(info: Awaited<ReturnType<typeof infoCommand>>): string {
  const lines = [`${info.name}@${info.version}${info.description ? ` — ${info.description}` : ''}`];
  if (info.deprecated) lines.push(`DEPRECATED: ${info.deprecated}`);
  lines.push(
    `dist-tags: ${
      Object.entries(info['dist-tags'])
        .map(([t, v]) => `${t}=${v}`)
        .join(' ') || '(none)'
    }`,
  );
  lines.push(`versions: ${info.versions.join(', ')}`);
  for (const h of info.held)
    lines.push(
      h.status === 'staged'
        ? `staged (not installable): ${h.version}, ${h.approvals} of ${h.required} approval(s); see unjucks reviews ${info.name}`
        : `rejected: ${h.version}`,
    );
  if (info.engines?.unjucks) lines.push(`engines.unjucks: ${info.engines.unjucks}`);
  const deps = Object.entries(info.dependencies);
  lines.push(`dependencies: ${deps.length ? deps.map(([n, r]) => `${n}@${r}`).join(', ') : '(none)'}`);
  lines.push(`tarball: ${info.dist.tarball} (${info.dist.fileCount} files, ${info.dist.unpackedSize} bytes)`);
  if (info.quality !== null) lines.push(`quality: ${info.quality}/100`);
  lines.push(
    `capabilities: ${info.capabilities.length ? `${info.capabilities.join(', ')}${info.capabilities.some((c) => SCRIPT_CAPABILITIES.includes(c)) ? ' (install needs --allow-scripts)' : ''}` : 'none (writes files only)'}`,
  );
  lines.push(info.generators.length ? 'generators:' : 'generators: (none found)');
  for (const g of info.generators) {
    lines.push(`  ${g.name}${g.description ? ` — ${g.description}` : ''}`);
    for (const t of g.templates) {
      const how = [t.layout === 'file' ? 'single file' : '', t.engines.join('+'), t.declared ? '' : 'undeclared'].filter(Boolean).join(', ');
      lines.push(`    ${g.name} ${t.name}${t.description ? ` — ${t.description}` : ''}${how ? ` (${how})` : ''}`);
      lines.push(...t.variables.map(describeVariable));
    }
  }
  return lines.join('\n');
}
