import { describe, expect, it } from 'vitest';
import type { PackageFile } from '@unjucks/core';
import { validateFiles, validateTarball } from '../../packages/validate/src/index.js';
import { checkTemplateFile } from '../../packages/validate/src/check-file.js';
import { Findings, MAX_FINDINGS_PER_RULE } from '../../packages/validate/src/findings.js';
import { parseFrontmatter } from '../../packages/validate/src/frontmatter.js';
import { BUILTIN_FILTERS } from '../../packages/validate/src/tools.js';
import { gzipTar, manifestFor } from '../helpers/packages.js';

const file = (path: string, content: string | Buffer): PackageFile => ({ path, mode: 0o644, bytes: Buffer.from(content) });
const pkg = (templates: Record<string, string>, extra: object = {}): PackageFile[] => [
  file('package.json', JSON.stringify(manifestFor('robust', '1.0.0', { unjucks: { generators: {} }, ...extra }))),
  file('README.md', '# robust\n'),
  ...Object.entries(templates).map(([p, c]) => file(p, c)),
];
const rules = (files: PackageFile[]) => validateFiles(files).findings.map((f) => f.rule);

describe('the validator is robust by construction', () => {
  it('caps findings per rule and says how many it left out (a 1 MB template of unknown filters)', () => {
    const body = '{{ a | nope }}\n'.repeat(Math.floor(1_000_000 / 15));
    const report = validateFiles(pkg({ '_templates/component/c.njk': `---\nto: a.txt\n---\n${body}` }));
    const unknown = report.findings.filter((f) => f.rule === 'nunjucks/unknown-filter');
    expect(unknown).toHaveLength(MAX_FINDINGS_PER_RULE);
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'report/truncated', message: expect.stringMatching(/^\d+ more finding/) }));
    // The stored report stays small whatever the package holds (it was 29 MB).
    expect(JSON.stringify(report).length).toBeLessThan(100_000);
  });

  it('refuses a 12 MB template instead of parsing it', async () => {
    // Varied enough not to look like a gzip bomb to the archive reader.
    const body = Array.from({ length: 700_000 }, (_, i) => `{{ a${i} | nope${i % 997} }}`).join('\n');
    expect(body.length).toBeGreaterThan(12_000_000);
    const report = await validateTarball(
      gzipTar([
        { path: 'package/package.json', content: JSON.stringify(manifestFor('robust', '1.0.0')) },
        { path: 'package/_templates/component/c.njk', content: `---\nto: a.txt\n---\n${body}` },
      ]),
    );
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'template/too-large', file: '_templates/component/c.njk', severity: 'error' }));
    expect(report.ok).toBe(false);
  });

  it('refuses a package once the time budget is spent, with a finding (not an exception)', () => {
    const report = validateFiles(pkg({ '_templates/component/react/c.njk': '---\nto: a.txt\n---\n{{ name }}\n' }), { timeBudgetMs: -1 } as never);
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'report/time-budget', severity: 'error' }));
    expect(report.ok).toBe(false);
  });

  it('stops checking a file once the budget is spent', () => {
    const findings = new Findings({ timeBudgetMs: -1 });
    const text = "---\nto: a.txt\n---\n{{ range.constructor('x')() }}\n";
    const fm = parseFrontmatter('t.njk', text, findings)!;
    checkTemplateFile({ file: 't.njk', text, engines: ['nunjucks'], frontmatter: fm, variableDefaults: {}, knownFilters: BUILTIN_FILTERS, findings });
    expect(findings.list.map((f) => f.rule)).toEqual(['report/time-budget']);
  });

  it('never runs a package pattern on the JavaScript engine (^(a+)+$ returns at once)', () => {
    const schema = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$', default: `${'a'.repeat(5000)}!`, description: 'n' } } };
    const r = rules(
      pkg(
        { '_templates/component/react/c.njk': '---\nto: a.txt\n---\n{{ name }}\n' },
        { unjucks: { generators: { component: { templates: { react: { description: 'd', variables: schema } } } } } },
      ),
    );
    expect(r).toContain('manifest/variable-default');
  });

  it('reports over-deep nesting as a finding instead of crashing', () => {
    const njk = `---\nto: a.txt\n---\n{{ ${'('.repeat(20000)}a${')'.repeat(20000)} }}\n`;
    const ejs = `---\nto: a.txt\n---\n<%= a${' + a'.repeat(60000)} %>\n`;
    expect(rules(pkg({ '_templates/component/c.njk': njk }))).toContain('syntax/nunjucks');
    const r = validateFiles(pkg({ '_templates/component/new/c.ejs.t': ejs }));
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual(['ejs/syntax']);
  });
});

describe('ordinary template code is not noise', () => {
  const errorsAndCode = (files: PackageFile[]) => {
    const r = validateFiles(files);
    return {
      errors: r.findings.filter((f) => f.severity === 'error' || f.rule === 'nunjucks/computed-member'),
      code: r.capabilityDetails.filter((c) => c.name === 'template-code'),
    };
  };

  it.each([
    ['a loop variable key', '{% for k in keys %}{{ obj[k] }}{% endfor %}'],
    ['a key/value loop', '{% for k, v in obj %}{{ obj[k] }}{{ v }}{% endfor %}'],
    ['a number key', '{{ items[0] }}{{ items[1 + 1] }}'],
    ['a key that cannot spell a dangerous name', "{{ obj['x_' ~ name] }}"],
    ['a set literal key', "{% set k = 'title' %}{{ obj[k] }}"],
    ['the loop counter', '{% for p in props %}{{ cols[loop.index0] }}{% endfor %}'],
  ])('allows a computed member with %s', (_l, body) => {
    expect(errorsAndCode(pkg({ '_templates/component/c.njk': `---\nto: a.txt\n---\n${body}\n` }))).toEqual({ errors: [], code: [] });
  });

  it.each([
    ['helpers', '<%= h.changeCase.pascal(name) %> <%= h.inflection.pluralize(name) %> <%= h.capitalize(name) %>'],
    ['conditionals and loops', '<% if (withTests) { %>test<% } else { %>none<% } %><% props.forEach(function (p) { %><%= p.name %>: <%= p.type %>,<% }) %>'],
    ['string and array methods', "<%= name.toUpperCase() %><%= [a, b].join(', ') %><%= name.split('/').map((s) => s.trim()).filter(Boolean).join('.') %>"],
    ['template strings and JSON', '<%= `${name}s` %><%- JSON.stringify(props, null, 2) %><%= locals.title || name %>'],
    ['declarations', "<% const parts = name.split('/'); let last = parts[parts.length - 1]; %><%= last %><%= parts[0] %>"],
    ['a callback key', '<% Object.keys(props).forEach((k) => { %><%= props[k] %><% }) %>'],
    [
      'Hygen docs idioms',
      "<% if(locals.withStyles){ -%>\nimport './<%= name %>.css'\n<% } -%>\n<%_ const comp = h.changeCase.pascal(name) _%>\nexport const <%= comp %> = ({ <%= props.split(',').map(p => p.trim()).join(', ') %> }) => null\n// <%= new Date().getFullYear() %> <%= (name || '').replace(/-/g, '_') %> <%= typeof foo !== 'undefined' ? foo : '' %>\n<% for (const p of list) { %><%= p.name.charAt(0).toUpperCase() + p.name.slice(1) %><% } %><%= Math.max(1, n) %><%= Array.from({ length: n }, (_, i) => i).join('') %><%%= literal %>",
    ],
  ])('accepts ordinary EJS: %s', (_l, body) => {
    expect(errorsAndCode(pkg({ '_templates/component/new/c.ejs.t': `---\nto: src/<%= name %>.js\n---\n${body}\n` }))).toEqual({ errors: [], code: [] });
  });

  it('returns the variables EJS reads', () => {
    const r = validateFiles(
      pkg({
        '_templates/component/new/c.ejs.t':
          '---\nto: src/<%= name %>.js\n---\n<% if (withTests) { %><%= h.changeCase.camel(name) %><% } %><% const x = 1 %><%= x %>\n',
      }),
    );
    const t = r.templates.find((t) => t.template === 'new');
    expect(t?.variables).toEqual(expect.arrayContaining(['name', 'withTests']));
    expect(t?.variables).not.toContain('x');
    expect(t?.variables).not.toContain('h');
  });

  it('takes placeholders for what they are, and example URL credentials for a warning', () => {
    const r = validateFiles(
      pkg({
        'docs/env.example':
          'STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nSLACK_WEBHOOK=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n',
        'docs/compose.yml': 'MONGO_URL=mongodb://root:example@mongo:27017/\n',
      }),
    );
    expect(r.findings.filter((f) => f.rule.startsWith('secret/')).map((f) => `${f.severity} ${f.file}`)).toEqual(['warning docs/compose.yml']);
  });

  it('does not take a package.json template with dependencies and ordinary scripts for autorun', () => {
    const body = '{ "name": "{{ name }}", "scripts": { "build": "tsc", "test": "vitest" }, "dependencies": { "react": "^18" }, "devDependencies": {} }\n';
    const r = validateFiles(pkg({ '_templates/app/new/package.json.njk': `---\nto: package.json\n---\n${body}` }));
    expect(r.capabilityDetails.filter((c) => c.name === 'autorun')).toEqual([]);
  });
});
