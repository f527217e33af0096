import type { VersionDiffResponse } from '@unjucks/core/api-schemas';
import { registryApi } from './api.js';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { parsePackageArg } from './spec.js';
import type { Output } from './accounts.js';

/** The diff as a reviewer reads it: a summary of files, capabilities and findings, then the patches. */
export function formatDiff(d: VersionDiffResponse): string {
  const out = [`${d.name}: ${d.from} → ${d.to}`];
  const mark = { added: 'A', removed: 'D', changed: 'M' } as const;
  out.push(
    `files: ${d.files.filter((f) => f.status === 'added').length} added, ${d.files.filter((f) => f.status === 'removed').length} removed, ${d.files.filter((f) => f.status === 'changed').length} changed, ${d.unchanged} unchanged`,
  );
  for (const f of d.files) out.push(`  ${mark[f.status]} ${f.path}${f.binary ? ' (binary)' : ''}${f.note ? ` (${f.note})` : ''}`);
  if (d.capabilities.added.length || d.capabilities.removed.length) {
    out.push('capabilities:');
    for (const c of d.capabilities.added) out.push(`  + ${c}`);
    for (const c of d.capabilities.removed) out.push(`  - ${c}`);
  } else out.push('capabilities: unchanged');
  if (d.findings.added.length || d.findings.removed.length) {
    out.push('findings:');
    for (const f of d.findings.added) out.push(`  + ${f.severity} ${f.rule}${f.file ? ` ${f.file}` : ''}: ${f.message}`);
    for (const f of d.findings.removed) out.push(`  - ${f.severity} ${f.rule}${f.file ? ` ${f.file}` : ''}: ${f.message}`);
  }
  const patches = d.files.filter((f) => f.patch).map((f) => f.patch!.trimEnd());
  if (patches.length) out.push('', ...patches);
  if (d.truncated) out.push('', '(some patches were left out to keep the answer small; compare the tarballs for the rest)');
  return out.join('\n');
}

/** `unjucks diff name@A name@B`: what changed from A to B (staged versions too, for their reviewers). */
export async function runDiff(s: Settings, args: string[]): Promise<Output> {
  if (args.length !== 2) throw new CliError('usage: unjucks diff <name>@<from> <name>@<to>');
  const [a, b] = args.map(parsePackageArg) as [ReturnType<typeof parsePackageArg>, ReturnType<typeof parsePackageArg>];
  if (a.name !== b.name) throw new CliError(`diff compares two versions of one package; got ${a.name} and ${b.name}`);
  if (!a.spec || !b.spec) throw new CliError(`name both versions: unjucks diff ${a.name}@1.0.0 ${a.name}@1.1.0`);
  const d = await registryApi(s).diff(a.name, a.spec, b.spec);
  return { json: d, text: formatDiff(d) };
}
