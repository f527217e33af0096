#!/usr/bin/env node
// Client install time, as wall time of the whole process (start-up included):
//   - cold `unjucks install` (empty cache, empty project) of a 30-file package and of a graph of
//     five packages, against cold `npm install` of the same packages from the same registry;
//   - a warm reinstall from the cache (the lock replayed, _templates/ deleted first).
// Aims (issue #16): at most half of npm's time; a warm reinstall under 150 ms.
//   pnpm bench:client        (BENCH_RUNS sets the repetitions, default 5; the median is reported)
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarball } from './lib/tarball.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_BIN = join(ROOT, 'packages/server/dist/cli.js');
// What users get (npx @unjucks/client): the bundle. The workspace build is measured beside it.
const CLIENTS = { bundle: join(ROOT, 'packages/server/dist/client/cli.mjs'), workspace: join(ROOT, 'packages/client/dist/cli.js') };

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

const template = (pkg, i) => `---
to: "src/${pkg}/{{ name }}/part${i}.ts"
---
// ${pkg} part ${i}
export const part${i} = '{{ name }}';
${'// a line of a realistic template\n'.repeat(30)}`;

function pkg(name, files, dependencies) {
  const manifest = { name, version: '1.0.0', description: 'bench', license: 'MIT', engines: { unjucks: '>=1.0.0' }, ...(dependencies ? { dependencies } : {}) };
  const entries = [
    ['package/package.json', JSON.stringify(manifest)],
    ['package/README.md', `# ${name}\n`],
  ];
  for (let i = 0; i < files; i++) entries.push([`package/_templates/${name}/t${i % 5}/file${i}.njk`, template(name, i)]);
  return tarball(entries);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dirs = [];
const temp = async (p) => {
  const d = await mkdtemp(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

const dataDir = await temp('unjucks-bench-client-');
const server = spawn(process.execPath, [SERVER_BIN, 'start'], {
  env: { ...process.env, PORT: '0', DATA_DIR: dataDir, RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const url = await new Promise((resolve) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (!m) return;
      server.stdout.off('data', onData);
      server.stdout.resume();
      resolve(m[1]);
    };
    server.stdout.on('data', onData);
  });
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const publish = async (tgz) => {
    const res = await fetch(`${url}/api/v1/packages`, {
      method: 'POST',
      body: tgz,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    });
    if (res.status !== 201) throw new Error(`publish: ${res.status} ${await res.text()}`);
  };
  await publish(pkg('bench-thirty', 30));
  // A graph of five: top → (mid-a, mid-b); mid-a → leaf-a; mid-b → leaf-b; six files each.
  await publish(pkg('bench-leaf-a', 6));
  await publish(pkg('bench-leaf-b', 6));
  await publish(pkg('bench-mid-a', 6, { 'bench-leaf-a': '^1.0.0' }));
  await publish(pkg('bench-mid-b', 6, { 'bench-leaf-b': '^1.0.0' }));
  await publish(pkg('bench-top', 6, { 'bench-mid-a': '^1.0.0', 'bench-mid-b': '^1.0.0' }));

  const baseEnv = { PATH: process.env.PATH, UNJUCKS_REGISTRY: url };
  async function unjucksCold(CLIENT_BIN, name) {
    const home = await temp('unjucks-bench-home-');
    const project = await temp('unjucks-bench-project-');
    return run(process.execPath, [CLIENT_BIN, 'install', name, '--dir', project], { env: { ...baseEnv, HOME: home, XDG_CACHE_HOME: join(home, 'cache') } });
  }
  async function npmCold(name) {
    const home = await temp('unjucks-bench-npm-');
    const project = await temp('unjucks-bench-project-');
    await writeFile(join(project, 'package.json'), '{"name":"bench-project","version":"1.0.0","private":true}');
    await writeFile(join(home, '.npmrc'), `registry=${url}/\n`);
    return run('npm', ['install', name, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        npm_config_userconfig: join(home, '.npmrc'),
        npm_config_cache: join(home, '.npm'),
        npm_config_update_notifier: 'false',
      },
    });
  }
  async function unjucksWarm(CLIENT_BIN, name) {
    const home = await temp('unjucks-bench-home-');
    const project = await temp('unjucks-bench-project-');
    const env = { ...baseEnv, HOME: home, XDG_CACHE_HOME: join(home, 'cache') };
    await run(process.execPath, [CLIENT_BIN, 'install', name, '--dir', project], { env });
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      await rm(join(project, '_templates'), { recursive: true, force: true });
      times.push(await run(process.execPath, [CLIENT_BIN, 'install', '--dir', project], { env }));
    }
    return median(times);
  }
  const sequential = async (n, f) => {
    const times = [];
    for (let i = 0; i < n; i++) times.push(await f());
    return median(times);
  };
  console.log(`client install, wall time of the whole process, median of ${RUNS} (node ${process.version})`);
  // The floor every number below stands on: a node process doing nothing.
  console.log(`  node -e 0 (bare start-up): ${(await sequential(RUNS, () => run(process.execPath, ['-e', '0']))).toFixed(0)} ms`);
  for (const [which, bin] of Object.entries(CLIENTS))
    console.log(
      `  ${which.padEnd(9)} unjucks --help (start-up): ${(await sequential(RUNS, () => run(process.execPath, [bin, '--help'], { env: baseEnv }))).toFixed(0)} ms`,
    );
  for (const [label, name] of [
    ['30-file package', 'bench-thirty'],
    ['graph of 5 packages', 'bench-top'],
  ]) {
    const npm = await sequential(RUNS, () => npmCold(name));
    console.log(`  ${label}: cold npm install ${npm.toFixed(0)} ms`);
    for (const [which, bin] of Object.entries(CLIENTS)) {
      const cold = await sequential(RUNS, () => unjucksCold(bin, name));
      const warm = await unjucksWarm(bin, name);
      console.log(
        `    ${which.padEnd(9)} cold unjucks install ${cold.toFixed(0).padStart(5)} ms (${((cold / npm) * 100).toFixed(0)}% of npm)   warm reinstall from cache ${warm.toFixed(0).padStart(4)} ms`,
      );
    }
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
