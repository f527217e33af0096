import { resolve } from 'node:path';
import { packDirectory } from './pack.js';

/** `unjucks validate [dir]`: the registry's publish checks, run locally on the packed package. */
export async function validateCommand(dir: string) {
  const packed = await packDirectory(resolve(dir));
  return { name: packed.manifest.name, version: packed.manifest.version, ...packed.report };
}
