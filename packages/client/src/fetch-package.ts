import { fileHash, SCRIPT_CAPABILITIES, TEMPLATES_DIR, type CapabilityName, type PackageFile } from '@unjucks/core';
import { CliError } from './errors.js';
import type { PackageSource } from './source.js';

export interface PlannedFile {
  rel: string;
  bytes: Buffer;
  hash: string;
  executable: boolean;
}

/** A version downloaded (or taken from the cache), verified, and checked for what it can do. */
export interface FetchedPackage {
  name: string;
  version: string;
  resolved: string;
  integrity: string;
  dependencies: Record<string, string>;
  capabilities: CapabilityName[];
  files: PlannedFile[];
}

/**
 * What the package can do, worked out here by the same validator the registry runs, so a registry
 * that lies about it cannot slip a shell command past the user. Loaded only when a package is read.
 */
async function capabilitiesOf(label: string, files: PackageFile[], allowScripts: boolean): Promise<CapabilityName[]> {
  const { validateFiles } = await import('@unjucks/validate');
  const report = validateFiles(files);
  const scripts = report.capabilityDetails.filter((c) => SCRIPT_CAPABILITIES.includes(c.name));
  if (scripts.length && !allowScripts)
    throw new CliError(
      `refusing to install ${label}: it can run code on this machine (${scripts.map((c) => `${c.name}: ${c.detail} in ${c.file}`).join('; ')}). ` +
        'Read those files, then pass --allow-scripts to install it. Nothing was written',
    );
  return report.capabilities;
}

/** The files a package puts into a project: its _templates/** only. */
export const templateFiles = (files: PackageFile[]): PlannedFile[] =>
  files
    .filter((f) => f.path.startsWith(`${TEMPLATES_DIR}/`))
    .map((f) => ({ rel: f.path, bytes: f.bytes, hash: fileHash(f.bytes), executable: (f.mode & 0o111) !== 0 }))
    .sort((a, b) => a.rel.localeCompare(b.rel));

export async function fetchPackage(
  source: PackageSource,
  want: { name: string; version: string; resolved: string; integrity: string },
  opts: { allowScripts: boolean; checkScripts?: boolean },
): Promise<FetchedPackage> {
  const label = `${want.name}@${want.version}`;
  const read = await source.read(label, want.resolved, want.integrity);
  if (read.manifest.name !== want.name || read.manifest.version !== want.version)
    throw new CliError(`the tarball of ${label} holds ${read.manifest.name}@${read.manifest.version}; nothing was written`);
  const deps = read.manifest.dependencies ?? {};
  // The bytes are what counts: a registry cannot hide a dependency by leaving it out of its document.
  const dependencies = typeof deps === 'object' && deps !== null && !Array.isArray(deps) ? (deps as Record<string, string>) : {};
  const capabilities = opts.checkScripts === false ? [] : await capabilitiesOf(label, read.files, opts.allowScripts);
  return { ...want, dependencies, capabilities, files: templateFiles(read.files) };
}
