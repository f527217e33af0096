import { describe, expect, it } from 'vitest';
import type { PackageFile } from '@unjucks/core';
import { discover, firstParagraph, promptVariables, rendersWithNunjucks } from './discover.js';
import { Findings } from './findings.js';
import { parseFrontmatter } from './frontmatter.js';
import { validateFiles } from './validate.js';

const pkg = (entries: Record<string, string | Buffer>, manifest: object = { name: 'fixture', version: '1.0.0', description: 'd' }): PackageFile[] => [
  { path: 'package.json', mode: 0o644, bytes: Buffer.from(JSON.stringify(manifest)) },
  { path: 'README.md', mode: 0o644, bytes: Buffer.from('# fixture\n') },
  ...Object.entries(entries).map(([path, c]) => ({ path, mode: 0o644, bytes: Buffer.isBuffer(c) ? c : Buffer.from(c) })),
];
const byPath = (files: PackageFile[]) => new Map(discover(files).files.map((f) => [f.path, f]));

describe('which files the tools render', () => {
  it('Hygen renders every file of an action folder but the names it skips; hooks only at the action root', () => {
    const d = discover(
      pkg({
        '_templates/g/a/x.ejs.t': '---\nto: x\n---\n',
        '_templates/g/a/notes.txt': 'text',
        '_templates/g/a/prompt.js': 'module.exports = []',
        '_templates/g/a/prompt.cjs': 'module.exports = []',
        '_templates/g/a/sub/index.js': 'skipped by Hygen',
        '_templates/g/a/myindex.js': 'skipped too: Hygen tests endsWith',
        '_templates/g/a/.DS_Store': 'junk',
        '_templates/g/loose.ejs.t': 'not in an action folder',
        '_templates/root.txt': 'not in a generator',
      }),
    );
    const f = new Map(d.files.map((x) => [x.path, x]));
    expect(f.get('_templates/g/a/x.ejs.t')).toMatchObject({ hygen: true, nunjucks: 'never', role: 'template', template: 'g/a' });
    expect(f.get('_templates/g/a/notes.txt')).toMatchObject({ hygen: true, role: 'template' });
    // prompt.cjs is both loaded as a hook and rendered (it is not in render.ts's skip list).
    expect(f.get('_templates/g/a/prompt.cjs')).toMatchObject({ hygen: true, role: 'hook' });
    expect(f.get('_templates/g/a/prompt.js')).toMatchObject({ hygen: false, role: 'hook' });
    expect(f.get('_templates/g/a/sub/index.js')?.hygen).toBe(false);
    expect(f.get('_templates/g/a/myindex.js')?.hygen).toBe(false);
    expect(f.get('_templates/g/a/.DS_Store')?.hygen).toBe(false);
    expect(f.has('_templates/g/loose.ejs.t')).toBe(false);
    expect(f.has('_templates/root.txt')).toBe(false);
    expect(d.hooks.map((h) => h.file).sort()).toEqual(['_templates/g/a/prompt.cjs', '_templates/g/a/prompt.js']);
    expect([...d.templates.keys()]).toEqual(['g/a']);
    expect(d.templates.get('g/a')!.files).toEqual(['_templates/g/a/notes.txt', '_templates/g/a/x.ejs.t']);
    expect(d.templates.get('g/a')!.hooks).toEqual(['_templates/g/a/prompt.cjs', '_templates/g/a/prompt.js']);
  });

  it('Unjucks renders .njk/.hbs always, .ejs when Nunjucks can parse it, and 1.x any other file without an EJS tag', () => {
    const f = byPath(
      pkg({
        '_templates/g/t/a.njk': 'x',
        '_templates/g/t/b.hbs': 'x',
        '_templates/g/t/c.ejs': 'x',
        '_templates/g/t/d.ejs.t': 'x',
        '_templates/g/t/e.ts': 'x',
        '_templates/g/single.njk': 'x',
      }),
    );
    expect(f.get('_templates/g/t/a.njk')!.nunjucks).toBe('always');
    expect(f.get('_templates/g/t/b.hbs')!.nunjucks).toBe('always');
    expect(f.get('_templates/g/t/c.ejs')!.nunjucks).toBe('parses');
    expect(f.get('_templates/g/t/d.ejs.t')!.nunjucks).toBe('never');
    expect(f.get('_templates/g/t/e.ts')!.nunjucks).toBe('parses-without-ejs');
    expect(f.get('_templates/g/single.njk')).toMatchObject({ nunjucks: 'always', hygen: false, template: 'g/single', unjucksOutput: 'single' });
    expect(f.get('_templates/g/t/e.ts')!.unjucksOutput).toBe('e.ts');
    // A single file beside a folder of the same name joins the folder's template, written under its own name.
    const both = byPath(pkg({ '_templates/g/x.njk': 'x', '_templates/g/x/a.njk': 'x', '_templates/g/x/sub/b.ejs.t': 'x' }));
    expect(both.get('_templates/g/x.njk')).toMatchObject({ template: 'g/x', unjucksOutput: 'x' });
    expect(both.get('_templates/g/x/sub/b.ejs.t')).toMatchObject({ template: 'g/x', unjucksOutput: 'sub/b' });
    expect(rendersWithNunjucks('parses', '<%= name %>')).toBe(false); // nothing for Nunjucks to do
    expect(rendersWithNunjucks('parses', 'style={{ a: 1 }}')).toBe(false); // does not parse: Unjucks fails before running anything
    expect(rendersWithNunjucks('parses', '{{ name }}')).toBe(true);
    expect(rendersWithNunjucks('parses-without-ejs', '{{ a }} <%= b %>')).toBe(false);
    expect(rendersWithNunjucks('always', 'style={{ a: 1 }}')).toBe(true);
  });

  it('finds single-file templates, nested generators and metadata, and lists no metadata or docs as template files', () => {
    const d = discover(
      pkg({
        '_templates/svc/api.ts.njk': '---\nto: a\n---\n',
        '_templates/svc/README.md': '# svc\n\nServices.\n',
        '_templates/svc/config.yml': 'templates:\n  - name: api\n    description: An API\n',
        '_templates/cat/gen/meta.yml': 'description: Nested\n',
        '_templates/cat/gen/one/a.njk': 'x',
        '_templates/cat/gen/two/b.njk': 'x',
        '_templates/hy/new/src/a.ejs.t': '---\nto: a\n---\n',
        '_templates/hy/new/meta.yml': 'description: Hygen action with files in a subfolder\n',
        '_templates/hy/new/index.md': 'The action.\n',
      }),
    );
    expect([...d.templates.values()].map((t) => [t.key, t.layout, t.description ?? null])).toEqual([
      ['cat/gen/one', 'folder', null],
      ['cat/gen/two', 'folder', null],
      ['hy/new', 'folder', 'Hygen action with files in a subfolder'],
      ['svc/api', 'file', 'An API'],
    ]);
    expect(d.generators.get('cat/gen')).toEqual({ description: 'Nested' });
    expect(d.generators.get('svc')).toEqual({ description: 'Services.' });
    expect(d.templates.get('hy/new')!.files).toEqual(['_templates/hy/new/src/a.ejs.t']);
    expect(d.templates.get('hy/new')!.docs).toEqual(['_templates/hy/new/index.md']);
    // A README with a to: is a template that writes one.
    const w = discover(pkg({ '_templates/p/new/README.md': '---\nto: README.md\n---\n# <%= name %>\n' }));
    expect(w.templates.get('p/new')!.files).toEqual(['_templates/p/new/README.md']);
  });

  it('lists files .hygenignore names apart, but still checks them', () => {
    const files = pkg({
      '_templates/g/a/x.ejs.t': '---\nto: x\n---\n',
      '_templates/g/a/.hygenignore': '# drafts\ndrafts/\n*.bak\n',
      '_templates/g/a/drafts/d.txt': '<%= process.exit(1) %>',
      '_templates/g/a/old.bak': 'x',
    });
    const d = discover(files);
    expect(d.templates.get('g/a')!.files).toEqual(['_templates/g/a/x.ejs.t']);
    expect(d.files.find((f) => f.path === '_templates/g/a/drafts/d.txt')?.hygen).toBe(true);
    expect(validateFiles(files).findings).toContainEqual(expect.objectContaining({ file: '_templates/g/a/drafts/d.txt', severity: 'error' }));
  });
});

describe('what metadata, prompt files and docs say', () => {
  it('reads literal enquirer questions from a prompt file without running it', () => {
    const src = `const extra = 'x'
module.exports = {
  prompt: ({ prompter }) => prompter.prompt([
    { type: 'input', name: 'name', message: 'Name?' },
    { type: 'multiselect', name: 'features', message: 'Features', choices: ['a', 'b'] },
    { type: 'numeral', name: 'port', message: \`Port\`, initial: -1 },
  ]).then((a) => a),
}
`;
    expect(promptVariables(src)).toEqual([
      { name: 'name', source: 'prompt', type: 'string', description: 'Name?' },
      { name: 'features', source: 'prompt', type: 'array', description: 'Features' },
      { name: 'port', source: 'prompt', type: 'number', default: -1, description: 'Port' },
    ]);
    expect(promptVariables('export default [{ type: "confirm", name: "tests", message: "Tests?", initial: true }]')).toEqual([
      { name: 'tests', source: 'prompt', type: 'boolean', default: true, description: 'Tests?' },
    ]);
    expect(promptVariables('module.exports = { params: ({ args }) => args }')).toEqual([]);
    expect(promptVariables('this is not javascript {')).toEqual([]);
  });

  it('merges variables: manifest over meta over prompt over frontmatter over inferred', () => {
    const report = validateFiles(
      pkg(
        {
          '_templates/g/t/meta.yml': 'description: T\nvariables:\n  - name: name\n    description: from meta\n    default: x\n',
          '_templates/g/t/prompt.js':
            "module.exports = [{ type: 'input', name: 'dir', message: 'Folder?' }, { type: 'input', name: 'name', message: 'from prompt' }]",
          '_templates/g/t/a.njk': '---\nto: "{{ dir }}/{{ name }}/{{ kind }}.ts"\nvariables:\n  kind: service\n---\n{{ other }}\n',
        },
        {
          name: 'f',
          version: '1.0.0',
          unjucks: {
            generators: { g: { templates: { t: { variables: { type: 'object', properties: { name: { type: 'string', description: 'from manifest' } } } } } } },
          },
        },
      ),
    );
    const t = report.templates[0]!;
    expect(t).toMatchObject({
      generator: 'g',
      template: 't',
      description: 'T',
      declared: true,
      variables: ['name'],
      inferred: false,
      tools: ['hygen', 'unjucks'],
      engines: ['ejs', 'nunjucks'],
    });
    expect(t.variableDetails).toEqual([
      { name: 'dir', source: 'prompt', type: 'string', description: 'Folder?' },
      { name: 'kind', source: 'frontmatter', default: 'service' },
      { name: 'name', source: 'manifest', type: 'string', default: 'x', description: 'from manifest' },
      { name: 'other', source: 'inferred' },
    ]);
  });

  it('takes a description from the first paragraph of a README', () => {
    expect(firstParagraph('# Title\n\n![badge](x)\n\nDoes things.\nMore.\n')).toBe('Does things.');
    expect(firstParagraph('# Only a title\n')).toBe('Only a title');
    expect(firstParagraph('')).toBeUndefined();
  });
});

describe('frontmatter as the tools split it', () => {
  const parse = (text: string) => {
    const findings = new Findings();
    return { fm: parseFrontmatter('f', text, findings), rules: findings.list.map((f) => f.rule) };
  };

  it('skips a byte-order mark', () => {
    expect(parse('\uFEFF---\nto: a.ts\n---\nbody').fm).toMatchObject({ data: { to: 'a.ts' }, body: 'body' });
  });

  it('reads an unclosed opening, or --- followed by a comment, as no frontmatter', () => {
    expect(parse('---\napiVersion: v1\nkind: Pod\n')).toEqual({ fm: expect.objectContaining({ data: {}, bodyLine: 1 }), rules: [] });
    expect(parse('--- # a YAML document\na: 1\n---\n').fm).toMatchObject({ data: {}, bodyLine: 1 });
  });

  it("closes at ... and opens with front-matter's = yaml =", () => {
    expect(parse('---\nto: a\n...\nbody').fm).toMatchObject({ data: { to: 'a' }, body: 'body' });
    expect(parse('= yaml =\nto: ../../x\n= yaml =\nbody').fm).toMatchObject({ data: { to: '../../x' } });
  });

  it('accepts !!js/regexp as data and refuses every other executable tag', () => {
    expect(parse('---\nto: a\ninject: true\nbefore: !!js/regexp /\\/\\/ end/\n---\n')).toMatchObject({ fm: { data: { before: '/\\/\\/ end/' } }, rules: [] });
    expect(parse('---\nto: !!js/function "function () { return 1 }"\n---\n').rules).toEqual(['frontmatter/custom-tag']);
    expect(parse('---\nto: a\nx: !!js/undefined ""\n---\n').rules).toEqual(['frontmatter/custom-tag']);
  });
});

describe('less noise, no less checking', () => {
  const rules = (entries: Record<string, string | Buffer>) => validateFiles(pkg(entries)).findings.map((f) => `${f.severity}:${f.rule}:${f.file ?? ''}`);

  it('no-to only for files that write, run and print nothing', () => {
    const r = rules({
      '_templates/g/a/sh.ejs.t': '---\nsh: npm test\n---\n',
      '_templates/g/a/echo.ejs.t': '---\nmessage: done\n---\n',
      '_templates/g/a/setup.ejs.t': '---\nsetup: owner/repo\n---\n',
      '_templates/g/a/idle.ejs.t': '---\nforce: true\n---\n',
      '_templates/g/a/meta.yml': 'description: d\n',
    });
    expect(r.filter((x) => x.includes('no-to'))).toEqual(['warning:frontmatter/no-to:_templates/g/a/idle.ejs.t']);
  });

  it('knows mode, verbose and metadata, and keys a Hygen body reads as attributes', () => {
    const r = rules({
      '_templates/g/a/a.ejs.t': '---\nto: a\nmode: write\nverbose: true\nmetadata:\n  owner: me\ntitle: Hello\n---\n<%= attributes.title %>\n',
      '_templates/g/a/meta.yml': 'description: d\n',
    });
    expect(r.filter((x) => x.includes('unknown-key'))).toEqual([]);
  });

  it('does not take metadata files for templates, even when they open with a YAML document start', () => {
    const r = rules({
      '_templates/g/a/a.ejs.t': '---\nto: a\n---\n',
      '_templates/g/a/meta.yml': '---\ndescription: d\nvariables: []\n',
      '_templates/g/config.yml': '---\ndescription: g\n',
    });
    expect(r).toEqual([]);
  });

  it('checks a scriptlet in any file of an action folder, and a binary-looking one', () => {
    const r = rules({
      '_templates/g/a/a.ejs.t': '---\nto: a\n---\n',
      '_templates/g/a/meta.yml': "description: d\nx: <%= process.mainModule.require('child_process').execSync('id') %>\n",
      '_templates/g/a/logo.png': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), Buffer.from('<%= global.process.exit(1) %>')]),
    });
    expect(r.some((x) => x.startsWith('error:') && x.endsWith('_templates/g/a/meta.yml'))).toBe(true);
    expect(r.some((x) => x.startsWith('error:') && x.endsWith('_templates/g/a/logo.png'))).toBe(true);
  });

  it('checks the to: of a Hygen .t file with Nunjucks too: Unjucks 1.x renders it', () => {
    const r = rules({
      '_templates/g/a/x.t': '---\nto: "{{ range.constructor(\'return process\')() }}"\n---\n<%= name %>\n',
      '_templates/g/a/meta.yml': 'description: d\n',
    });
    expect(r.some((x) => x.startsWith('error:nunjucks/') && x.endsWith('_templates/g/a/x.t'))).toBe(true);
  });

  it('checks a BOM-prefixed template', () => {
    const r = rules({ '_templates/g/t/a.njk': '\uFEFF---\nto: ../../.bashrc\n---\nx', '_templates/g/t/meta.yml': 'description: d\n' });
    expect(r).toContainEqual('error:frontmatter/to-escapes-root:_templates/g/t/a.njk');
  });

  it('checks what the old validator never saw: .ejs bodies under Nunjucks, single files, nested generators, plain files', () => {
    const r = rules({
      '_templates/g/t/component.tsx.ejs': '{{ range.constructor("return process")() }}\n',
      '_templates/g/t/partial.tsx.ejs': '{% include "../../.ssh/id_rsa" %}\n',
      '_templates/g/t/meta.yml': 'description: d\n',
      '_templates/g/evil.njk': '---\nto: ../../.bashrc\n---\nx',
      '_templates/cat/gen/t/x.njk': '---\nto: /etc/passwd\n---\nx',
      '_templates/h/a/notes.txt': "<%= process.mainModule.require('child_process').execSync('id') %>",
    });
    const errorsIn = (file: string) => r.filter((x) => x.startsWith('error:') && x.endsWith(`:${file}`));
    expect(errorsIn('_templates/g/t/component.tsx.ejs')).not.toEqual([]);
    expect(errorsIn('_templates/g/t/partial.tsx.ejs')).toContainEqual('error:nunjucks/include-escapes:_templates/g/t/partial.tsx.ejs');
    expect(errorsIn('_templates/g/evil.njk')).toContainEqual('error:frontmatter/to-escapes-root:_templates/g/evil.njk');
    expect(errorsIn('_templates/cat/gen/t/x.njk')).toContainEqual('error:frontmatter/to-escapes-root:_templates/cat/gen/t/x.njk');
    expect(errorsIn('_templates/h/a/notes.txt')).not.toEqual([]);
  });

  it('checks where Unjucks writes a file that has no to:', () => {
    const report = validateFiles(pkg({ '_templates/g/t/.husky/pre-commit': 'npm test\n', '_templates/g/t/meta.yml': 'description: d\n' }));
    expect(report.capabilities).toContain('autorun');
  });

  it('scans every file for secrets, a binary one by its printable strings', () => {
    const r = rules({
      '_templates/g/a/a.ejs.t': '---\nto: a\n---\n',
      '_templates/g/a/meta.yml': 'description: d\n',
      'assets/blob.bin': Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from('key AKIAIOSFODNN7EXAMPLE end'), Buffer.from([0])]),
    });
    expect(r.some((x) => x.startsWith('error:secret/') && x.endsWith(':assets/blob.bin'))).toBe(true);
  });

  it('records .hygen.js anywhere as hooks', () => {
    expect(validateFiles(pkg({ '_templates/g/a/a.ejs.t': '---\nto: a\n---\n', '.hygen.js': 'module.exports = {}' })).capabilities).toContain('hooks');
  });
});
