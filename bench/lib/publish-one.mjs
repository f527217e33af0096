// Publishes `bench-mw` 1.0.0..1.0.9 (a small template package) through the native API.
//   node bench/lib/publish-one.mjs BASE_URL TOKEN
import { tarball } from './tarball.mjs';

const [base, token] = process.argv.slice(2);
for (let i = 0; i < 10; i++) {
  const version = `1.0.${i}`;
  const manifest = {
    name: 'bench-mw',
    version,
    description: 'middleware cost fixture',
    unjucks: { generators: { component: { templates: { react: { description: 'component' } } } } },
  };
  const files = [
    ['package/package.json', JSON.stringify(manifest)],
    ['package/README.md', '# bench-mw\n'],
    ['package/_templates/component/react/index.njk', '---\nto: src/{{ name }}.ts\n---\nexport const x = 1;\n'],
  ];
  const res = await fetch(`${base}/api/v1/packages`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: tarball(files) });
  if (res.status !== 201) throw new Error(`publish bench-mw@${version}: ${res.status} ${await res.text()}`);
}
