import { describe, expect, it } from 'vitest';
import type { PackageFile } from '@unjucks/core';
import { gzipTar } from '../../../test/helpers/packages.js';
import { CLEAN, HOSTILE } from '../../../test/fixtures/corpus.js';
import { REAL_TREES } from '../../../test/fixtures/real-trees.js';
import { formatReport, RULES, validateFiles, validateTarball } from './index.js';

const manifest = (extra: Record<string, unknown> = {}) => ({
  name: 'fixture',
  version: '1.0.0',
  description: 'a fixture',
  license: 'MIT',
  repository: 'https://git.example.com/fixture',
  engines: { unjucks: '>=1.0.0' },
  unjucks: {
    generators: {
      component: {
        templates: {
          react: { description: 'component', variables: { type: 'object', properties: { name: { type: 'string', description: 'Name' } } } },
        },
      },
    },
  },
  ...extra,
});

const files = (entries: Record<string, string | Buffer>, m: Record<string, unknown> | null = manifest()): PackageFile[] => [
  ...(m ? [{ path: 'package.json', mode: 0o644, bytes: Buffer.from(JSON.stringify(m)) }] : []),
  { path: 'README.md', mode: 0o644, bytes: Buffer.from('# fixture\n') },
  ...Object.entries(entries).map(([path, c]) => ({ path, mode: 0o644, bytes: Buffer.isBuffer(c) ? c : Buffer.from(c) })),
];

const T = '_templates/component/react';
const ok = (to = 'src/{{ name }}.tsx', body = 'export const {{ name }} = 1;\n') => ({ [`${T}/c.njk`]: `---\nto: ${to}\n---\n${body}` });
const rulesOf = (fs: PackageFile[], opts = {}) => validateFiles(fs, opts).findings.map((f) => `${f.severity}:${f.rule}`);

describe('the fixture corpus', () => {
  it.each(CLEAN)('passes a clean package: $label', async ({ entries, capabilities }) => {
    const report = await validateTarball(gzipTar(entries));
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.capabilities).toEqual(capabilities);
  });

  it.each(HOSTILE)('$rule: $label', async ({ entries, rule, severity, refuse }) => {
    const report = await validateTarball(gzipTar(entries), { refuseCapabilities: refuse });
    expect(report.findings).toContainEqual(expect.objectContaining({ rule, severity }));
    if (severity === 'error') expect(report.ok).toBe(false);
  });

  it.each(DISCOVERY_FIXTURES)('$rule: $label', ({ entries, rule, severity, options }) => {
    expect(rulesOf(entries, options)).toContain(`${severity}:${rule}`);
  });

  it('has a fixture for every rule the validator can report', () => {
    const covered = new Set([...HOSTILE, ...DISCOVERY_FIXTURES].map((f) => f.rule));
    // Rules that need the registry's database are covered by the end-to-end suite.
    const serverOnly = new Set(['manifest/name-too-similar', 'manifest/dependency-unresolved']);
    // Paths a ustar header cannot carry (a NUL ends the name; 255 characters at most), and entry types the reader maps elsewhere.
    const unreachable = new Set(['tar/nul', 'tar/path-too-long', 'tar/special-file']);
    const missing = Object.keys(RULES).filter((r) => !covered.has(r) && !serverOnly.has(r) && !unreachable.has(r));
    expect(missing).toEqual([]);
  });
});

// Rules about what discovery reads (metadata files); unit-tested here rather than published end to end.
// (The time budget is an option of the validator, so its fixture lives here rather than in the published corpus.)
const DISCOVERY_FIXTURES: { label: string; rule: string; severity: string; entries: PackageFile[]; options?: Parameters<typeof validateFiles>[1] }[] = [
  {
    label: 'a meta.yml that is not YAML',
    rule: 'metadata/unreadable',
    severity: 'warning',
    entries: files({ ...ok(), [`${T}/meta.yml`]: 'description: [unclosed\n' }),
  },
  { label: 'a validation past its time budget', rule: 'report/time-budget', severity: 'error', entries: files(ok()), options: { timeBudgetMs: -1 } },
];

// What the real trees' validation may still warn about, outside discovery's own rules.
const MY_RULES = /^(frontmatter\/(unknown-key|no-to|custom-tag|yaml)|manifest\/template-|docs\/|metadata\/|nunjucks\/unknown-filter)/;

describe('realistic legitimate trees', () => {
  it.each(REAL_TREES)('$label', async ({ entries, capabilities, templates, quality }) => {
    const report = await validateTarball(gzipTar(entries));
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.findings.filter((f) => MY_RULES.test(f.rule))).toEqual([]);
    expect(report.capabilities).toEqual(capabilities);
    expect(
      report.templates.map((t) => ({
        generator: t.generator,
        template: t.template,
        layout: t.layout,
        tools: t.tools,
        variables: t.variables,
        ...(t.description ? { description: t.description } : {}),
        ...(t.generatorDescription ? { generatorDescription: t.generatorDescription } : {}),
      })),
    ).toEqual(templates);
    expect(report.quality).toBe(quality);
  });
});

describe('details', () => {
  it('reports position, message and hint', () => {
    const f = validateFiles(files(ok('a.ts', 'line one\n{{ a + }}\n'))).findings.find((x) => x.rule === 'syntax/nunjucks')!;
    expect(f).toMatchObject({ file: `${T}/c.njk`, line: 5, severity: 'error', hint: expect.stringMatching(/Fix/) });
    const member = validateFiles(files(ok('a.ts', 'one\ntwo {{ x.constructor }}\n'))).findings.find((x) => x.rule === 'nunjucks/unsafe-member')!;
    expect(member).toMatchObject({ line: 5, column: 9 });
    const s = validateFiles(files({ ...ok(), 'notes.txt': 'x\nkey AKIAIOSFODNN7EXAMPLE' })).findings.find((x) => x.rule === 'secret/aws-access-key')!;
    expect(s).toMatchObject({ line: 2, column: 5 });
    expect(s.message).toContain('AKIA…(20 characters)');
    expect(s.message).not.toContain('IOSFODNN7EXAMPLE');
  });

  it('records capabilities and where they come from', () => {
    const report = validateFiles(
      files({
        [`${T}/a.njk`]: '---\nto: .github/workflows/ci.yml\n---\nx',
        [`${T}/b.njk`]: '---\nto: .npmrc\n---\nx',
        [`${T}/c.njk`]: '---\nto: package.json\ninject: true\nafter: "\\"scripts\\": {"\n---\n"x": "y",',
        [`${T}/d.njk`]: '---\nto: bin/run\nchmod: "755"\nsh: npm install\n---\nx',
        '.hygen.js': 'module.exports = {}',
      }),
    );
    expect(report.ok).toBe(true);
    expect(report.capabilities).toEqual(['chmod', 'ci-config', 'hooks', 'npmrc', 'package-scripts', 'shell']);
    expect(report.capabilityDetails.find((c) => c.name === 'shell')).toMatchObject({ file: `${T}/d.njk`, detail: expect.stringContaining('npm install') });
  });

  it('infers variables from bodies and to: when none are declared', () => {
    const report = validateFiles(
      files(
        {
          [`${T}/c.njk`]:
            '---\nto: src/{{ dir }}/{{ name | pascalCase }}.ts\n---\n{% for m in methods %}{{ m }}{% endfor %}{{ withTests }}{% set local = 1 %}{{ local }}{{ loop }}\n',
        },
        manifest({ unjucks: { generators: { component: { templates: { react: { description: 'd' } } } } } }),
      ),
    );
    expect(report.templates).toEqual([
      expect.objectContaining({
        generator: 'component',
        template: 'react',
        files: [`${T}/c.njk`],
        variables: ['dir', 'methods', 'name', 'withTests'],
        inferred: true,
        declared: true,
        layout: 'folder',
      }),
    ]);
    expect(report.templates[0]!.variableDetails!.every((v) => v.source === 'inferred')).toBe(true);
  });

  it('scores what users get: documented templates and variables, README, description, license, repository', () => {
    expect(
      validateFiles(
        files(
          ok(),
          manifest({
            keywords: ['react'],
            unjucks: { generators: { component: { description: 'components', templates: manifest().unjucks.generators.component.templates } } },
          }),
        ),
      ).quality,
    ).toBe(100);
    const bare = validateFiles(files(ok(), { name: 'bare', version: '1.0.0' }));
    expect(bare.quality).toBeLessThan(50);
    expect(validateFiles(files(ok('/etc/x'))).quality).toBe(0);
    // A single-file template with nothing documented no longer scores high for having no findings.
    const single = validateFiles([
      { path: 'package.json', mode: 0o644, bytes: Buffer.from(JSON.stringify({ name: 'single', version: '1.0.0' })) },
      { path: '_templates/svc/api.njk', mode: 0o644, bytes: Buffer.from('---\nto: src/{{ name }}.ts\n---\nx\n') },
    ]);
    expect(single.templates).toEqual([expect.objectContaining({ generator: 'svc', template: 'api', layout: 'file' })]);
    expect(single.quality).toBeLessThanOrEqual(20);
    // The same tree documented in meta files, undeclared, scores well.
    const documented = validateFiles([
      {
        path: 'package.json',
        mode: 0o644,
        bytes: Buffer.from(
          JSON.stringify({ name: 'doc', version: '1.0.0', description: 'd', keywords: ['k'], license: 'MIT', repository: 'https://x.example/r' }),
        ),
      },
      { path: 'README.md', mode: 0o644, bytes: Buffer.from('# doc\n') },
      {
        path: '_templates/svc/config.yml',
        mode: 0o644,
        bytes: Buffer.from(
          'description: Services\ntemplates:\n  - name: api\n    description: An API\n    prompts:\n      - name: name\n        message: Service name?\n',
        ),
      },
      { path: '_templates/svc/api.njk', mode: 0o644, bytes: Buffer.from('---\nto: src/{{ name }}.ts\n---\nx\n') },
    ]);
    expect(documented.findings).toEqual([]);
    expect(documented.quality).toBe(95);
  });

  it('prints a compiler-style listing', () => {
    const text = formatReport(validateFiles(files(ok('../x', '{{ a | shout }}'))));
    expect(text).toMatch(/_templates\/component\/react\/c\.njk\n\s+2:\d+\s+error\s+frontmatter\/to-escapes-root/);
    expect(text).toMatch(/hint: /);
    expect(text).toMatch(/1 error\(s\), 1 warning\(s\); quality 0\/100$/);
  });
});
