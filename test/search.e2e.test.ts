import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { unjucks } from './helpers/cli.js';
import { manifestFor, packageTarball, publishRaw } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface SearchBody {
  total: number;
  objects: {
    package: {
      name: string;
      version: string;
      description: string;
      scope: string;
      maintainers: { username: string }[];
      publisher: { username: string } | null;
      links: { registry: string };
    };
    generators: { name: string; templates: string[] }[];
    capabilities: string[];
    downloads: { monthly: number };
    score: { final: number; detail: { relevance: number; popularity: number; quality: number } };
    searchScore: number;
  }[];
}

const gens = (g: string, t: string, description: string) => ({
  unjucks: {
    generators: {
      [g]: { description, templates: { [t]: { description, variables: { type: 'object', properties: { name: { type: 'string', description: 'Name' } } } } } },
    },
  },
});

// Each engine on one backend, to keep CI time down: memory on the embedded one, postgres on the other.
const ENGINES = BACKENDS.map((b, i) => ({ ...b, engine: i === 0 ? 'memory' : 'postgres', label: `${b.label}, ${i === 0 ? 'memory' : 'postgres'} engine` }));

describe.each(ENGINES)('search on $label', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { DOWNLOADS_FLUSH_MS: '200', SEARCH_ENGINE: backend.engine });
    const mk = (name: string, version: string, g: string, t: string, description: string, extra: object = {}) => {
      const m = { ...manifestFor(name, version, { description, keywords: [g], ...gens(g, t, description), ...extra }) };
      const tgz = packageTarball(name, version, {
        manifest: m,
        extra: [{ path: `package/_templates/${g}/${t}/a.njk`, content: '---\nto: src/{{ name }}.ts\n---\nx\n' }],
      });
      return publishRaw(server.api, server.adminToken, tgz);
    };
    for (const r of await Promise.all([
      mk('@acme/react-component', '1.0.0', 'component', 'react', 'React components with tests'),
      mk('express-route-gen', '1.0.0', 'route', 'express', 'Express route handlers'),
      mk('prisma-model-gen', '1.0.0', 'model', 'prisma', 'Prisma models'),
    ]))
      expect(r.status).toBe(201);
  });
  afterAll(() => server?.destroy());

  const search = async (q: string, extra = '') => (await (await fetch(`${server.api}/search?q=${encodeURIComponent(q)}${extra}`)).json()) as SearchBody;

  it('answers in the npm search shape with scores and generators', async () => {
    const body = await search('react component');
    expect(body.total).toBeGreaterThanOrEqual(1);
    const top = body.objects[0]!;
    expect(top.package).toMatchObject({
      name: '@acme/react-component',
      version: '1.0.0',
      description: 'React components with tests',
      scope: 'acme',
      maintainers: [{ username: 'admin' }],
      publisher: { username: 'admin' },
      links: { registry: `${server.url}/api/v1/packages/@acme/react-component` },
    });
    expect(top.generators).toEqual(expect.arrayContaining([{ name: 'component', description: 'React components with tests', templates: ['react'] }]));
    expect(top.score.final).toBeGreaterThan(0);
    expect(Object.keys(top.score.detail)).toEqual(['relevance', 'popularity', 'quality']);
  });

  it('sees its own publish and deprecation with the very next search', async () => {
    const m = manifestFor('fresh-gen', '1.0.0', { description: 'Freshly baked generators' });
    expect((await publishRaw(server.api, server.adminToken, packageTarball('fresh-gen', '1.0.0', { manifest: m }))).status).toBe(201);
    // Read-your-writes: the replica that took the publish finds it with its very next search.
    expect((await search('freshly')).objects.map((o) => o.package.name)).toEqual(['fresh-gen']);
    await fetch(`${server.api}/packages/fresh-gen/1.0.0/deprecate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: '{"message":"old"}',
    });
    expect((await search('freshly')).objects).toEqual([]);
    expect((await search('freshly', '&deprecated=true')).objects.map((o) => o.package.name)).toEqual(['fresh-gen']);
  });

  it('finds a new version of a package with the very next search, by the latest tag it moved', async () => {
    // The publish writes the version and its tag before it reads them back into the search
    // document, in one transaction: a document read before the tag would still show 1.0.0.
    for (const version of ['1.0.0', '1.1.0']) {
      const m = manifestFor('second-gen', version, { description: `Second generators ${version}` });
      expect((await publishRaw(server.api, server.adminToken, packageTarball('second-gen', version, { manifest: m }))).status).toBe(201);
    }
    const hit = (await search('second')).objects.find((o) => o.package.name === 'second-gen');
    expect(hit?.package).toMatchObject({ version: '1.1.0', description: 'Second generators 1.1.0' });
  });

  it('finds a package without a latest tag by its highest stable version', async () => {
    // Published under other tags only: no `latest`, so the document is made from the highest stable live version.
    const published: [version: string, tag: string][] = [
      ['2.0.0', 'next'],
      ['3.0.0-rc.1', 'next'],
      ['1.0.0', 'old'],
    ];
    for (const [version, tag] of published) {
      const m = manifestFor('untagged-gen', version, { description: `Untagged generators ${version}` });
      expect((await publishRaw(server.api, server.adminToken, packageTarball('untagged-gen', version, { manifest: m }), `?tag=${tag}`)).status).toBe(201);
    }
    const hit = (await search('untagged')).objects.find((o) => o.package.name === 'untagged-gen');
    expect(hit?.package).toMatchObject({ version: '2.0.0', description: 'Untagged generators 2.0.0', maintainers: [{ username: 'admin' }] });
  });

  it('counts downloads in batches and ranks by them', async () => {
    const tarball = `${server.api}/packages/express-route-gen/-/express-route-gen-1.0.0.tgz`;
    for (let i = 0; i < 5; i++) await (await fetch(tarball)).arrayBuffer();
    const deadline = Date.now() + 3000;
    let hit;
    do {
      await new Promise((r) => setTimeout(r, 100));
      hit = (await search('express')).objects.find((o) => o.package.name === 'express-route-gen');
    } while (hit?.downloads.monthly !== 5 && Date.now() < deadline);
    expect(hit?.downloads.monthly).toBe(5);
    expect(hit?.score.detail.popularity).toBe(1);
  });

  it('applies qualifiers, size and from', async () => {
    expect((await search('scope:@acme')).objects.map((o) => o.package.name)).toEqual(['@acme/react-component']);
    expect((await search('generator:model')).objects.map((o) => o.package.name)).toEqual(['prisma-model-gen']);
    expect((await search('keyword:route')).objects.map((o) => o.package.name)).toEqual(['express-route-gen']);
    expect((await search('is:private')).objects).toEqual([]);
    const all = await search('', '&size=2');
    expect(all.objects).toHaveLength(2);
    expect(all.total).toBeGreaterThanOrEqual(3);
    const rest = await search('', '&size=2&from=2');
    expect(rest.objects.map((o) => o.package.name)).not.toContain(all.objects[0]!.package.name);
    expect((await fetch(`${server.api}/search?q=x&size=-1`)).status).toBe(400);
    // A size past the page limit is accepted (and clamped: search-index.test.ts checks the limit on 300 packages).
    expect((await search('', '&size=1000')).objects.length).toBe(all.total);
  });

  it('suggests names and generators', async () => {
    const s = await (await fetch(`${server.api}/search/suggest?q=pri`)).json();
    expect(s.suggestions[0]).toEqual({ type: 'package', value: 'prisma-model-gen', package: 'prisma-model-gen' });
    const g = await (await fetch(`${server.api}/search/suggest?q=rout`)).json();
    expect(g.suggestions).toContainEqual({ type: 'generator', value: 'route', package: 'express-route-gen' });
  });

  it('unjucks search prints a table and the install line for the top hit', async () => {
    const r = await unjucks(['search', 'prisma', 'model', '--registry', server.url], { env: { COLUMNS: '100' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NAME\s+VERSION\s+DESCRIPTION\s+DOWNLOADS\s+CAPABILITIES/);
    expect(r.stdout).toMatch(/prisma-model-gen\s+1\.0\.0\s+Prisma models/);
    expect(r.stdout).toMatch(/unjucks install prisma-model-gen@1\.0\.0\s*$/);
    const json = JSON.parse((await unjucks(['search', 'prisma', '--json', '--size', '1', '--registry', server.url])).stdout);
    expect(json.objects).toHaveLength(1);
    const none = await unjucks(['search', 'qqqqzzz', '--registry', server.url]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/no packages match/);
  });

  it('rebuilds from Postgres on restart', async () => {
    await server.restart();
    expect((await search('prisma')).objects.map((o) => o.package.name)).toContain('prisma-model-gen');
  });
});

describe.each(ENGINES)('misspellings and nicknames on $label', (backend) => {
  let server: TestServer;
  const search = async (q: string) =>
    ((await (await fetch(`${server.api}/search?q=${encodeURIComponent(q)}&size=3`)).json()) as SearchBody).objects.map((o) => o.package.name);
  beforeAll(async () => {
    server = await startTestServer(backend, { SEARCH_ENGINE: backend.engine });
    const pkgs: [string, string, string, string][] = [
      ['angular-component-gen', 'component', 'angular', 'Angular components with tests'],
      ['react-component-gen', 'component', 'react', 'React function components'],
      ['vue-component-gen', 'component', 'vue', 'Vue single file components'],
      ['next-page-gen', 'page', 'next', 'Next.js pages for the app router'],
      ['remix-page-gen', 'page', 'remix', 'Remix route pages'],
      ['kubernetes-manifests', 'deployment', 'web', 'Kubernetes deployments and services'],
      ['docker-deployment-kit', 'deployment', 'compose', 'Docker compose deployments'],
      ['github-actions-workflows', 'workflow', 'node-ci', 'GitHub Actions workflows for CI'],
      ['gitlab-ci-workflows', 'workflow', 'pipeline', 'GitLab CI workflows'],
      ['nestjs-controller-gen', 'controller', 'rest', 'NestJS REST controllers'],
      ['express-controller-gen', 'controller', 'rest', 'Express controllers'],
    ];
    for (const [name, g, t, description] of pkgs) {
      const m = manifestFor(name, '1.0.0', { description, ...gens(g, t, description) });
      const tgz = packageTarball(name, '1.0.0', {
        manifest: m,
        extra: [{ path: `package/_templates/${g}/${t}/a.njk`, content: '---\nto: src/{{ name }}.ts\n---\nx\n' }],
      });
      expect((await publishRaw(server.api, server.adminToken, tgz)).status).toBe(201);
    }
  });
  afterAll(() => server?.destroy());

  it('shows a private package only to those who may read it', async () => {
    const call = (method: string, path: string, body?: object) =>
      fetch(`${server.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: body && JSON.stringify(body),
      });
    expect((await call('POST', '/orgs', { name: 'hush' })).status).toBe(201);
    const m = manifestFor('@hush/secret-gen', '1.0.0', { description: 'Hushed angular widgets', ...gens('widget', 'basic', 'Hushed widgets') });
    const tgz = packageTarball('@hush/secret-gen', '1.0.0', {
      manifest: m,
      extra: [{ path: 'package/_templates/widget/basic/a.njk', content: '---\nto: a.ts\n---\nx\n' }],
    });
    expect((await publishRaw(server.api, server.adminToken, tgz)).status).toBe(201);
    expect(await search('hushed widgets')).toContain('@hush/secret-gen');
    expect((await call('PUT', '/packages/@hush%2Fsecret-gen/visibility', { visibility: 'private' })).status).toBe(200);
    expect(await search('hushed widgets')).not.toContain('@hush/secret-gen');
    const mine = (await (await call('GET', '/search?q=hushed%20widgets')).json()) as SearchBody;
    expect(mine.objects.map((o) => o.package.name)).toContain('@hush/secret-gen');
  });

  it.each([
    ['angualr component', 'angular component', 'angular-component-gen'],
    ['reakt componnet', 'react component', 'react-component-gen'],
    ['nextjs page', 'next.js page', 'next-page-gen'],
    ['k8s deployment', 'kubernetes deployment', 'kubernetes-manifests'],
    ['gh actions workflow', 'github actions workflow', 'github-actions-workflows'],
    ['nest controller', 'nestjs controller', 'nestjs-controller-gen'],
  ])('"%s" finds what "%s" finds', async (typed, correct, expected) => {
    const right = await search(correct);
    expect(right[0]).toBe(expected);
    expect((await search(typed))[0]).toBe(right[0]);
  });
});
