import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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

interface Facts {
  capabilities: CapabilityName[];
  scripts: { name: string; detail: string; file?: string }[];
}

let fingerprint: Promise<string> | null = null;
/**
 * Which build of the validator decided a cached answer: this module's file and the validator's, by
 * size and time. A new client (or validator) looks again instead of trusting an older verdict.
 */
function validatorFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const files = [fileURLToPath(import.meta.url)];
    try {
      files.push(fileURLToPath(import.meta.resolve('@unjucks/validate')));
    } catch {
      // Bundled: the validator is a chunk whose hashed name is written into this very file.
    }
    const parts = await Promise.all(
      files.map((f) =>
        stat(f).then(
          (s) => `${f}:${s.size}:${s.mtimeMs}`,
          () => f,
        ),
      ),
    );
    return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
  })();
  return fingerprint;
}

/**
 * What the package can do, worked out here by the same validator the registry runs, so a registry
 * that lies about it cannot slip a shell command past the user. The verdict is a function of the
 * bytes, so it is kept in the (user-private) cache by integrity: a warm reinstall never loads the
 * validator. The check against --allow-scripts runs every time.
 */
async function capabilitiesOf(source: PackageSource, label: string, integrity: string, files: PackageFile[], allowScripts: boolean): Promise<CapabilityName[]> {
  const key = await validatorFingerprint();
  let facts = await source.cache.getFacts<Facts>(integrity, key);
  if (!facts) {
    const { validateFiles } = await import('@unjucks/validate');
    // A client has time to check a package fully; a check cut short proves nothing, so it refuses.
    const report = validateFiles(files, { timeBudgetMs: 5 * 60_000 });
    if (report.findings.some((f) => f.rule === 'report/time-budget'))
      throw new CliError(`refusing to install ${label}: it is too large or complex to check on this machine. Nothing was written`);
    facts = {
      capabilities: report.capabilities,
      scripts: report.capabilityDetails.filter((c) => SCRIPT_CAPABILITIES.includes(c.name)).map((c) => ({ name: c.name, detail: c.detail, file: c.file })),
    };
    await source.cache.putFacts(integrity, key, facts);
  }
  if (facts.scripts.length && !allowScripts)
    throw new CliError(
      `refusing to install ${label}: it can run code on this machine (${facts.scripts.map((c) => `${c.name}: ${c.detail} in ${c.file}`).join('; ')}). ` +
        'Read those files, then pass --allow-scripts to install it. Nothing was written',
    );
  return facts.capabilities;
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
  const capabilities = opts.checkScripts === false ? [] : await capabilitiesOf(source, label, want.integrity, read.files, opts.allowScripts);
  return { ...want, dependencies, capabilities, files: templateFiles(read.files) };
}
