import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackageDoc } from '@unjucks/core';
import { BACKENDS } from './helpers/backends.js';
import { unjucks } from './helpers/cli.js';
import { gzipTar, publishRaw, type RawEntry } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Templates the tools find without a declared unjucks.generators block: what the validator
 * discovers is what `info`, search and the package document show.
 */
const file = (path: string, content: string): RawEntry => ({ path: `package/${path}`, content });
const pkg = (name: string, description: string, entries: RawEntry[]) =>
  gzipTar([
    file('package.json', JSON.stringify({ name, version: '1.0.0', description, license: 'MIT' })),
    file('README.md', `# ${name}\n\n${description}\n`),
    ...entries,
  ]);

// A Hygen tree as `hygen init self` and the Hygen docs lay it out: EJS actions and a prompt file.
const HYGEN = pkg('hygen-react-kit', 'Hygen generators for React', [
  file('_templates/component/new/component.ejs.t', '---\nto: app/components/<%= name %>.js\nunless_exists: true\n---\nexport const <%= name %> = () => null\n'),
  file(
    '_templates/component/new/inject_index.ejs.t',
    '---\ninject: true\nto: app/index.js\nafter: "// components"\nskip_if: <%= name %>\n---\nexport { <%= name %> } from \'./components/<%= name %>\'\n',
  ),
  file('_templates/component/new/prompt.js', "module.exports = [{ type: 'input', name: 'name', message: 'Component name?' }]\n"),
]);

// An Unjucks tree: a folder template with a meta.yml, and a single-file generator.
const UNJUCKS = pkg('unjucks-api-kit', 'Unjucks generators for APIs', [
  file(
    '_templates/api/endpoint/meta.yml',
    'name: endpoint\ndescription: Create a REST endpoint\nvariables:\n  - name: route\n    type: string\n    description: The route path\n    required: true\n',
  ),
  file('_templates/api/endpoint/handler.njk', '---\nto: src/routes/{{ route | kebabCase }}.ts\n---\nexport const handler = () => "{{ route }}";\n'),
  file('_templates/service/service.njk', '---\nto: src/services/{{ name | kebabCase }}.ts\n---\nexport class {{ name | pascalCase }}Service {}\n'),
]);

const backend = BACKENDS[BACKENDS.length - 1]!;

describe(`discovered templates on ${backend.label}`, () => {
  let server: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    env = { UNJUCKS_REGISTRY: server.url, UNJUCKS_TOKEN: server.adminToken };
    for (const tgz of [HYGEN, UNJUCKS]) {
      const r = await publishRaw(server.api, server.adminToken, tgz);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
  });
  afterAll(() => server?.destroy());

  const doc = async (name: string) => (await (await fetch(`${server.api}/packages/${name}`)).json()) as PackageDoc;

  it('lists Hygen actions with the variables their prompt file asks for', async () => {
    const v = (await doc('hygen-react-kit')).versions['1.0.0']!;
    expect(v.generators).toEqual([
      expect.objectContaining({
        name: 'component',
        templates: [
          expect.objectContaining({
            name: 'new',
            declared: false,
            engines: ['ejs'],
            tools: expect.arrayContaining(['hygen']),
            variables: [expect.objectContaining({ name: 'name', source: 'prompt' })],
          }),
        ],
      }),
    ]);
  });

  it('lists Unjucks folder and single-file templates with their metadata', async () => {
    const v = (await doc('unjucks-api-kit')).versions['1.0.0']!;
    const api = v.generators.find((g) => g.name === 'api')!;
    expect(api.templates).toEqual([
      expect.objectContaining({
        name: 'endpoint',
        description: 'Create a REST endpoint',
        layout: 'folder',
        variables: [expect.objectContaining({ name: 'route', type: 'string', required: true, description: 'The route path' })],
      }),
    ]);
    // meta.yml is metadata, not a template.
    expect(api.templates[0]!.files).not.toContain('_templates/api/endpoint/meta.yml');
    const service = v.generators.find((g) => g.name === 'service')!;
    expect(service.templates).toEqual([expect.objectContaining({ name: 'service', layout: 'file', files: ['_templates/service/service.njk'] })]);
  });

  it('shows them in unjucks info', async () => {
    const r = await unjucks(['info', 'unjucks-api-kit'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('api endpoint — Create a REST endpoint');
    expect(r.stdout).toMatch(/route \(string, required\): The route path/);
    expect(r.stdout).toMatch(/service service \(single file/);
    expect(r.stdout).not.toContain('(none found)');
    const hygen = await unjucks(['info', 'hygen-react-kit'], { env });
    expect(hygen.stdout).toMatch(/component new .*ejs/);
  });

  it('finds packages by the templates discovered in them', async () => {
    const body = (await (await fetch(`${server.api}/search?q=endpoint`)).json()) as {
      objects: { package: { name: string }; generators: { name: string; templates: string[] }[] }[];
    };
    const hit = body.objects.find((o) => o.package.name === 'unjucks-api-kit');
    expect(hit?.generators).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'api', templates: ['endpoint'] })]));
  });

  it('no longer rewards hiding templates from discovery', async () => {
    const report = async (name: string) =>
      (await (await fetch(`${server.api}/packages/${name}/1.0.0/report`)).json()) as { quality: number; templates: unknown[] };
    const [hygen, uj] = [await report('hygen-react-kit'), await report('unjucks-api-kit')];
    expect(hygen.templates).toHaveLength(1);
    expect(uj.templates).toHaveLength(2);
    // Documented in the tree (README, description, license, meta.yml), yet undeclared: a real tree scores well.
    expect(uj.quality).toBeGreaterThanOrEqual(60);
  });
});
