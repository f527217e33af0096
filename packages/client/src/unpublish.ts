import { versionProblem } from '@unjucks/core';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { registryApi } from './api.js';
import { parsePackageArg } from './spec.js';
import type { Output } from './accounts.js';

/** Unpublishes one version, or (with --force) every version; numbers are never reusable. */
export async function unpublishCommand(s: Settings, arg: string | undefined, force: boolean): Promise<Output> {
  if (!arg) throw new CliError('usage: unjucks unpublish <name>@<version> | unjucks unpublish <name> --force');
  const { name, spec } = parsePackageArg(arg);
  const exact = spec || null;
  if (exact && versionProblem(exact)) throw new CliError(`unpublish takes an exact version (such as ${name}@1.2.3), not ${JSON.stringify(exact)}`);
  if (!exact && !force) throw new CliError(`unpublishing every version of ${name} needs --force; to remove one version, name it: ${name}@1.2.3`);
  const body = await registryApi(s).unpublish(name, exact, `unpublishing ${exact ? `${name}@${exact}` : name}`);
  return {
    json: body,
    text: `unpublished ${body.removed.map((v) => `${name}@${v}`).join(', ')}${body.remaining.length ? `; ${body.remaining.length} version(s) remain` : ''}\n(these version numbers can never be published again)`,
  };
}
