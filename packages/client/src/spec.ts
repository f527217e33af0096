import { CliError } from './errors.js';
import { nameProblem } from '@unjucks/core';

/** Splits `name@spec` (and `@scope/name@spec`) into its parts; the spec is empty when absent. */
export function parsePackageArg(arg: string): { name: string; spec: string } {
  const at = arg.indexOf('@', arg.startsWith('@') ? 1 : 0);
  const name = at === -1 ? arg : arg.slice(0, at);
  const spec = at === -1 ? '' : arg.slice(at + 1);
  const problem = nameProblem(name);
  if (problem) throw new CliError(`invalid package name ${JSON.stringify(name)}: ${problem}`);
  return { name, spec };
}
