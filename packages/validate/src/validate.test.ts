import { describe, expect, it } from 'vitest';
import type { PackageFile, RejectedEntry } from '@unjucks/core';
import { formatReport, validateFiles } from './index.js';

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

describe('clean packages pass with no errors', () => {
  it('an Unjucks package with inject, nested folders, dotfiles and {{ }} in file names', () => {
    const report = validateFiles(
      files({
        [`${T}/component.njk`]: '---\nto: "{{ name | pascalCase }}/{{ name }}.tsx"\n---\n{% for p in props %}{{ p.name | camelCase }}{% endfor %}\n{% set x = 1 %}{{ x }}{{ items[0] }}\n',
        [`${T}/index.njk`]: '---\nto: src/components/index.ts\ninject: true\nafter: "// exports"\nskipIf: "{{ name }}"\n---\nexport * from "./{{ name }}";\n',
        [`${T}/nested/deep/{{ name }}.test.njk`]: '---\nto: src/{{ name }}/{{ name }}.test.tsx\n---\n{% include "component/react/partial.njk" %}\n',
        [`${T}/.gitignore`]: 'node_modules\n',
        [`${T}/assets/logo.svg`]: '<svg/>',
        '_templates/.lib/helpers.md': 'notes',
      }),
    );
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.capabilities).toEqual([]);
    expect(report.quality).toBe(100);
  });

  it('a Hygen package with EJS templates and a prompt file', () => {
    const report = validateFiles(
      files(
        {
          '_templates/component/new/component.ejs.t': '---\nto: app/components/<%= name %>.js\nunless_exists: true\n---\nexport const <%= name %> = () => null\n',
          '_templates/component/new/inject.ejs.t': "---\ninject: true\nto: app/index.js\nafter: \"// components\"\nskip_if: <%= name %>\n---\nimport <%= name %> from './components/<%= name %>'\n",
          '_templates/component/new/prompt.js': "module.exports = [{ type: 'input', name: 'name', message: 'Name?' }]\n",
        },
        manifest({ unjucks: { generators: { component: { templates: { new: { description: 'new component' } } } } } }),
      ),
    );
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.capabilities).toEqual(['hooks']);
    expect(report.templates[0]).toMatchObject({ generator: 'component', template: 'new', inferred: true });
  });
});

describe('hostile fixtures: one per rule', () => {
  const cases: [string, PackageFile[], string, object?][] = [
    ['tar/link', files(ok()), 'error:tar/link', { rejected: [{ path: 'package/x', rule: 'tar/link', message: 'link' }] as RejectedEntry[] }],
    ['manifest/missing', files(ok(), null), 'error:manifest/missing'],
    ['manifest/invalid (semver)', files(ok(), manifest({ version: 'v1' })), 'error:manifest/invalid'],
    ['manifest/name-non-ascii', files(ok(), manifest({ name: 'tëst' })), 'error:manifest/name-non-ascii'],
    ['manifest/no-templates', files({}), 'error:manifest/no-templates'],
    ['manifest/template-missing', files({ '_templates/other/x/a.njk': '---\nto: a\n---\n' }), 'error:manifest/template-missing'],
    ['manifest/template-undeclared', files({ ...ok(), '_templates/extra/t/a.njk': '---\nto: a\n---\n' }), 'warning:manifest/template-undeclared'],
    [
      'manifest/variable-default',
      files(ok(), manifest({ unjucks: { generators: { component: { templates: { react: { variables: { properties: { style: { enum: ['css'], default: 'less' } } } } } } } } })),
      'error:manifest/variable-default',
    ],
    ['syntax/nunjucks', files(ok('a.ts', 'line\n{{ a + }}\n')), 'error:syntax/nunjucks'],
    ['syntax/ejs-in-njk', files(ok('a.ts', '<%= name %>\n')), 'warning:syntax/ejs-in-njk'],
    ['frontmatter/js-fence', files({ [`${T}/c.njk`]: '---js\n{ to: require("fs") }\n---\nx' }), 'error:frontmatter/js-fence'],
    ['frontmatter/too-large', files({ [`${T}/c.njk`]: `---\nto: a\nx: "${'a'.repeat(70000)}"\n---\nx` }), 'error:frontmatter/too-large'],
    ['frontmatter/yaml', files({ [`${T}/c.njk`]: '---\nto: [a\n---\nx' }), 'error:frontmatter/yaml'],
    ['frontmatter/alias-bomb', files({ [`${T}/c.njk`]: `---\nto: a\na: &a [x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 25 }, (_, i) => `b${i}: [*a,*a,*a,*a,*a,*a,*a,*a,*a]`).join('\n')}\n---\nx` }), 'error:frontmatter/alias-bomb'],
    ['frontmatter/custom-tag', files({ [`${T}/c.njk`]: '---\nto: !!js/function "function(){}"\n---\nx' }), 'error:frontmatter/custom-tag'],
    ['frontmatter/unquoted-expression', files({ [`${T}/c.njk`]: '---\nto: {{ name }}.tsx\n---\nx' }), 'error:frontmatter/unquoted-expression'],
    ['frontmatter/no-to', files({ [`${T}/c.njk`]: '---\ninject: false\n---\nx' }), 'warning:frontmatter/no-to'],
    ['frontmatter/unknown-key', files({ [`${T}/c.njk`]: '---\nto: a\ncolour: red\n---\nx' }), 'warning:frontmatter/unknown-key'],
    ['frontmatter/to-escapes-root (..)', files(ok('../../etc/{{ name }}')), 'error:frontmatter/to-escapes-root'],
    ['frontmatter/to-escapes-root (absolute)', files(ok('/etc/passwd')), 'error:frontmatter/to-escapes-root'],
    ['frontmatter/to-escapes-root (~)', files(ok('"~/x"')), 'error:frontmatter/to-escapes-root'],
    ['frontmatter/to-escapes-root (drive)', files(ok('"C:/x"')), 'error:frontmatter/to-escapes-root'],
    ['frontmatter/to-escapes-root (literal in expression)', files(ok('"{{ \'../..\' }}/x"')), 'error:frontmatter/to-escapes-root'],
    ['frontmatter/to-escapes-root (EJS literal)', files({ '_templates/component/react/a.ejs.t': "---\nto: <%= '../../x' %>\n---\nx" }), 'error:frontmatter/to-escapes-root'],
    ['frontmatter/sensitive-target (.git)', files(ok('.git/hooks/pre-commit')), 'error:frontmatter/sensitive-target'],
    ['frontmatter/sensitive-target (rc file)', files(ok('.zshrc')), 'error:frontmatter/sensitive-target'],
    ['frontmatter/sensitive-target (.ssh)', files(ok('.ssh/authorized_keys')), 'error:frontmatter/sensitive-target'],
    ['nunjucks/unsafe-member', files(ok('a', '{{ range.constructor("return process")() }}')), 'error:nunjucks/unsafe-member'],
    ['nunjucks/unsafe-member (__proto__)', files(ok('a', '{{ x.__proto__ }}')), 'error:nunjucks/unsafe-member'],
    ['nunjucks/unsafe-global', files(ok('a', '{{ process.env.HOME }}')), 'error:nunjucks/unsafe-global'],
    ['nunjucks/computed-member', files(ok('a', '{{ x[key] }}')), 'error:nunjucks/computed-member'],
    ['nunjucks/call-result-call', files(ok('a', '{{ f("x")() }}')), 'error:nunjucks/call-result-call'],
    ['nunjucks/dynamic-include', files(ok('a', '{% include tpl %}')), 'error:nunjucks/dynamic-include'],
    ['nunjucks/include-escapes', files(ok('a', '{% include "../../../etc/passwd" %}')), 'error:nunjucks/include-escapes'],
    ['nunjucks/include-escapes (extends)', files(ok('a', '{% extends "/etc/x.njk" %}')), 'error:nunjucks/include-escapes'],
    ['nunjucks/unknown-filter', files(ok('a', '{{ name | shout }}')), 'warning:nunjucks/unknown-filter'],
    ['secret/aws-access-key', files({ ...ok(), 'notes.txt': 'key AKIAIOSFODNN7EXAMPLE here' }), 'error:secret/aws-access-key'],
    ['secret/github-token', files({ ...ok(), 'x.env': `GH=ghp_${'a1B2'.repeat(9)}` }), 'error:secret/github-token'],
    ['secret/npm-token', files({ ...ok(), '.npmrc': `//registry.npmjs.org/:_authToken=npm_${'Ab3d'.repeat(9)}` }), 'error:secret/npm-token'],
    ['secret/private-key', files({ ...ok(), 'id_rsa': '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n' }), 'error:secret/private-key'],
    [
      'secret/registry-token',
      files({ ...ok(), 'token.txt': `${Buffer.from('{"alg":"ES256","typ":"unjucks-token+jwt"}').toString('base64url')}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.${'s'.repeat(40)}` }),
      'error:secret/registry-token',
    ],
    ['policy/capability-refused', files({ [`${T}/c.njk`]: '---\nto: a\nsh: rm -rf /\n---\nx' }), 'error:policy/capability-refused', { refuseCapabilities: ['shell'] }],
    ['compat/windows-filename', files({ ...ok(), [`${T}/a|b.txt`]: 'x' }), 'warning:compat/windows-filename'],
    ['compat/engines-unsatisfiable', files(ok(), manifest({ engines: { unjucks: '^0.1.0' } })), 'error:compat/engines-unsatisfiable'],
    ['docs/readme-missing', files(ok()).filter((f) => f.path !== 'README.md'), 'warning:docs/readme-missing'],
    ['docs/description-missing', files(ok(), manifest({ description: '' })), 'warning:docs/description-missing'],
    [
      'docs/template-description-missing',
      files(ok(), manifest({ unjucks: { generators: { component: { templates: { react: {} } } } } })),
      'warning:docs/template-description-missing',
    ],
    [
      'docs/variable-description-missing',
      files(ok(), manifest({ unjucks: { generators: { component: { templates: { react: { description: 'd', variables: { properties: { name: { type: 'string' } } } } } } } } })),
      'warning:docs/variable-description-missing',
    ],
  ];

  it.each(cases)('%s', (_label, fs, expected, opts) => {
    expect(rulesOf(fs, opts)).toContain(expected);
  });

  it('reports position, message and hint', () => {
    const f = validateFiles(files(ok('a.ts', 'line one\n{{ a + }}\n'))).findings.find((x) => x.rule === 'syntax/nunjucks')!;
    expect(f).toMatchObject({ file: `${T}/c.njk`, line: 5, severity: 'error', hint: expect.stringMatching(/Fix/) });
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
        { [`${T}/c.njk`]: '---\nto: src/{{ dir }}/{{ name | pascalCase }}.ts\n---\n{% for m in methods %}{{ m }}{% endfor %}{{ withTests }}{% set local = 1 %}{{ local }}{{ loop }}\n' },
        manifest({ unjucks: { generators: { component: { templates: { react: { description: 'd' } } } } } }),
      ),
    );
    expect(report.templates).toEqual([{ generator: 'component', template: 'react', files: [`${T}/c.njk`], variables: ['dir', 'methods', 'name', 'withTests'], inferred: true }]);
  });

  it('scores quality from documentation and declarations', () => {
    expect(validateFiles(files(ok())).quality).toBe(100);
    const bare = validateFiles(files(ok(), { name: 'bare', version: '1.0.0' }));
    expect(bare.quality).toBeLessThan(50);
    expect(validateFiles(files(ok('/etc/x'))).quality).toBe(0);
  });

  it('prints a compiler-style listing', () => {
    const text = formatReport(validateFiles(files(ok('../x', '{{ a | shout }}'))));
    expect(text).toMatch(/_templates\/component\/react\/c\.njk\n\s+2:\d+\s+error\s+frontmatter\/to-escapes-root/);
    expect(text).toMatch(/hint: /);
    expect(text).toMatch(/1 error\(s\), 1 warning\(s\); quality 0\/100$/);
  });
});
