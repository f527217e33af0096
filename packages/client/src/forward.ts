import { spawn } from 'node:child_process';
import { access, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The name in the nearest package.json at or above `file`. */
async function packageNameOf(file: string): Promise<string | null> {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const json = await readFile(join(dir, 'package.json'), 'utf8').then(JSON.parse, () => null);
    if (json && typeof json.name === 'string') return json.name;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The project's own `unjucks` command (node_modules/.bin/unjucks), when it is the Unjucks generator's
 * and not this client again. The search goes up from `cwd` only as far as the project root (the first
 * folder with a package.json), as npm does, so a binary planted in a shared parent folder never runs.
 */
export async function findGenerator(cwd: string): Promise<string | null> {
  const self = await realpath(fileURLToPath(import.meta.url)).catch(() => '');
  for (let dir = cwd; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'unjucks');
    const real = await realpath(bin).catch(() => null);
    if (real && dirname(real) !== dirname(self) && (await packageNameOf(real)) !== '@unjucks/client') return bin;
    const projectRoot = await access(join(dir, 'package.json')).then(
      () => true,
      () => false,
    );
    if (projectRoot || dirname(dir) === dir) return null;
  }
}

/** Runs the generator with the arguments as given; resolves with its exit code, or null when there is none. */
export async function forwardToGenerator(argv: string[], cwd: string): Promise<number | null> {
  const bin = await findGenerator(cwd);
  if (!bin) return null;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
