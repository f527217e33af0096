import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarball } from './tarball.mjs';

const GENERATOR = fileURLToPath(new URL('../../../shared/bench/make-fixtures.mjs', import.meta.url));

/**
 * The shared harness's 30-file template package (../shared/bench/make-fixtures.mjs), made once in
 * FIXTURES_DIR (default: a folder in tmpdir) and read from there: its files, its manifest, and a
 * tarball of it for any version (and name).
 */
export function fixturePackage() {
  const dir = process.env.FIXTURES_DIR ?? join(tmpdir(), 'unjucks-publish-bench-fixtures');
  if (!existsSync(join(dir, 'tpl', 'package.json'))) {
    const r = spawnSync(process.execPath, [GENERATOR, dir], { stdio: 'inherit', env: { ...process.env, N_OTHERS: '1' } });
    if (r.status !== 0) throw new Error(`could not make the fixtures with ${GENERATOR}`);
  }
  const tplDir = join(dir, 'tpl');
  const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  const files = walk(tplDir).map((p) => [relative(tplDir, p), readFileSync(p)]);
  const manifest = JSON.parse(readFileSync(join(tplDir, 'package.json'), 'utf8'));
  const versionTarball = (version, name = manifest.name) =>
    tarball(files.map(([p, bytes]) => [`package/${p}`, p === 'package.json' ? JSON.stringify({ ...manifest, name, version }, null, 2) : bytes]));
  return { files, manifest, name: manifest.name, versionTarball };
}
