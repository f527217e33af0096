// Bundles the `unjucks` client into dist/client/, the package the registry serves as @unjucks/client
// (at the server's own version) so `npx --registry URL @unjucks/client` works without a clone.
// esbuild splits at dynamic imports, so the validator stays out of the start-up path here too.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../dist/client/');
const server = JSON.parse(await readFile(here('../package.json'), 'utf8'));

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { cli: here('../../client/dist/cli.js') },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (nunjucks) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
await writeFile(
  `${out}package.json`,
  `${JSON.stringify(
    {
      name: '@unjucks/client',
      version: server.version,
      description: 'The unjucks CLI: install, update and publish template packages from an Unjucks registry',
      type: 'module',
      bin: { unjucks: 'cli.mjs' },
      engines: { node: '>=20' },
      license: 'MIT',
    },
    null,
    2,
  )}\n`,
);
await writeFile(`${out}README.md`, '# @unjucks/client\n\nThe `unjucks` command for an Unjucks registry. Run `unjucks --help`.\n');
