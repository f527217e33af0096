#!/usr/bin/env node
// Validation time: a 200-file package and a 5 MiB package, each validated as the registry does on
// publish (read the tarball, then run every check). Target: under 300 ms for the 200-file package.
//   pnpm bench:validate        (BENCH_RUNS sets the repetitions, default 10)
import { randomBytes } from 'node:crypto';
import { readArchiveBytes } from '@unjucks/core';
import { validateFiles } from '@unjucks/validate';
import { tarball } from './lib/tarball.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);

// A realistic template: frontmatter, loops, conditionals, filters, includes.
const template = (i) => `---
to: "src/{{ name | kebabCase }}/part${i}/{{ name | pascalCase }}.tsx"
inject: ${i % 10 === 0}
${i % 10 === 0 ? 'after: "// parts"\n' : ''}---
import React from 'react';
{% for prop in props %}import { {{ prop.type | pascalCase }} } from './{{ prop.type | kebabCase }}';
{% endfor %}
export interface {{ name | pascalCase }}Props {
{% for prop in props %}  {{ prop.name | camelCase }}{% if not prop.required %}?{% endif %}: {{ prop.type }};
{% endfor %}}

export function {{ name | pascalCase }}(props: {{ name | pascalCase }}Props) {
  {% if withState %}const [state, setState] = React.useState({{ initial | dump }});{% endif %}
  return <div className="{{ name | kebabCase }}">{{ '{{' }} props.children {{ '}}' }}</div>;
}
${'// padding line to make the file a realistic size\n'.repeat(40)}`;

function manifest(name, templates) {
  return JSON.stringify({
    name,
    version: '1.0.0',
    description: 'bench',
    license: 'MIT',
    engines: { unjucks: '>=1.0.0' },
    unjucks: {
      generators: {
        component: {
          templates: Object.fromEntries(
            templates.map((t) => [t, { description: t, variables: { properties: { name: { type: 'string', description: 'n' } } } }]),
          ),
        },
      },
    },
  });
}

function package200() {
  const templates = Array.from({ length: 20 }, (_, i) => `t${i}`);
  const entries = [
    ['package/package.json', manifest('bench-200', templates)],
    ['package/README.md', '# bench\n'.repeat(100)],
  ];
  for (let i = 0; i < 198; i++) entries.push([`package/_templates/component/t${i % 20}/file${i}.njk`, template(i)]);
  return tarball(entries);
}

function package5MiB() {
  const templates = ['big'];
  const entries = [
    ['package/package.json', manifest('bench-5mib', templates)],
    ['package/README.md', '# bench\n'],
  ];
  // 40 large templates (~100 KiB each) and 1 MiB of incompressible assets: about 5 MiB unpacked.
  for (let i = 0; i < 40; i++) entries.push([`package/_templates/component/big/file${i}.njk`, template(i).repeat(40)]);
  for (let i = 0; i < 4; i++) entries.push([`package/_templates/component/big/asset${i}.bin`, randomBytes(256 * 1024)]);
  return tarball(entries);
}

async function measure(label, tgz) {
  const times = [];
  let report;
  let unpacked = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const archive = await readArchiveBytes(tgz, { maxUnpackedBytes: 50 * 1024 * 1024 }, 'collect');
    report = validateFiles(archive.files, { rejected: archive.rejected });
    const t = performance.now() - t0;
    unpacked = archive.unpackedSize;
    if (i >= 2) times.push(t); // the first runs warm the JIT up
  }
  times.sort((a, b) => a - b);
  return {
    package: label,
    files: report.templates.reduce((n, t) => n + t.files.length, 0) + 2,
    unpacked_kib: Math.round(unpacked / 1024),
    tarball_kib: Math.round(tgz.length / 1024),
    median_ms: times[Math.floor(times.length / 2)].toFixed(1),
    max_ms: times[times.length - 1].toFixed(1),
    errors: report.errors,
    warnings: report.warnings,
  };
}

const which = process.env.BENCH_ONLY;
console.table([...(which !== '5mib' ? [await measure('200 files', package200())] : []), ...(which !== '200' ? [await measure('5 MiB', package5MiB())] : [])]);
