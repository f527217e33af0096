import { resolve } from 'node:path';
import type { PublishResult } from '@unjucks/core';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { postBytes } from './http.js';
import { formatReport } from '@unjucks/validate';
import { packDirectory } from './pack.js';

export async function publishCommand(settings: Settings, opts: { dir: string; tag?: string; dryRun: boolean }) {
  const packed = await packDirectory(resolve(opts.dir));
  const { name, version } = packed.manifest;
  // The registry would refuse it: say why here, before uploading anything.
  if (!packed.report.ok)
    throw new CliError(`not publishing ${name}@${version}: the package has ${packed.report.errors} error(s)\n${formatReport(packed.report)}`);
  if (opts.dryRun)
    return {
      dryRun: true as const,
      name,
      version,
      integrity: packed.read.integrity,
      size: packed.read.size,
      unpackedSize: packed.read.unpackedSize,
      files: packed.files,
      warnings: packed.report.warnings,
      quality: packed.report.quality,
      capabilities: packed.report.capabilities,
    };
  if (!settings.token) {
    // Trusted publishing: in a CI job that can prove who it is, no long-lived secret is needed.
    const { ciIdToken, exchangeIdToken } = await import('./oidc.js');
    const idToken = await ciIdToken(settings.registry);
    if (!idToken)
      throw new CliError(
        `publishing needs a token: run unjucks login --registry ${settings.registry} --token <token>, set UNJUCKS_TOKEN (or REGISTRY_TOKEN), or publish from a CI job with trusted publishing (see unjucks trust)`,
      );
    settings = { ...settings, token: (await exchangeIdToken(settings, idToken, name)).token };
  }
  const query = opts.tag ? `?tag=${encodeURIComponent(opts.tag)}` : '';
  const { status, body } = await postBytes<PublishResult>(
    settings,
    `${settings.registry}/api/v1/packages${query}`,
    packed.tarball,
    `publishing ${name}@${version}`,
  );
  return { dryRun: false as const, ...body, alreadyPublished: status === 200 };
}
