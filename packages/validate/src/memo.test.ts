import { describe, expect, it } from 'vitest';
import { readArchiveBytes, type PackageFile } from '@unjucks/core';
import { gzipTar } from '../../../test/helpers/packages.js';
import { CLEAN, HOSTILE } from '../../../test/fixtures/corpus.js';
import { REAL_TREES } from '../../../test/fixtures/real-trees.js';
import { ValidationMemo, validateFiles, type ValidateOptions } from './index.js';

const filesOf = async (entries: Parameters<typeof gzipTar>[0]) => {
  const archive = await readArchiveBytes(gzipTar(entries), {}, 'collect');
  return { files: archive.files, options: { rejected: archive.rejected } as ValidateOptions };
};

const file = (path: string, text: string): PackageFile => ({ path, mode: 0o644, bytes: Buffer.from(text) });
const manifest = (extra: Record<string, unknown> = {}, version = '1.0.0') =>
  file('package.json', JSON.stringify({ name: 'fixture', version, description: 'a fixture', license: 'MIT', ...extra }));
const readme = file('README.md', '# fixture\n');
const T = '_templates/component/react';
// The same template bytes in every case below: only what surrounds them changes.
const template = file(`${T}/c.njk`, '---\nto: "{{ dir }}/{{ name | shout }}.tsx"\n---\nexport const {{ name | shout }} = 1;\n');
const withDefault = (dir: string) => ({
  unjucks: {
    generators: {
      component: { templates: { react: { description: 'c', variables: { properties: { dir: { type: 'string', description: 'd', default: dir } } } } } },
    },
  },
});

describe('the validation memo', () => {
  it('gives every report of the corpus exactly as without it, cold and warm, whatever was validated before', async () => {
    const packages = await Promise.all([...CLEAN, ...HOSTILE, ...REAL_TREES].map((f) => filesOf(f.entries)));
    const expected = packages.map(({ files, options }) => validateFiles(files, options));
    const memo = new ValidationMemo('test');
    for (let round = 0; round < 2; round++)
      packages.forEach(({ files, options }, i) => expect(validateFiles(files, options, memo), `package ${i}, round ${round}`).toEqual(expected[i]));
    expect(memo.hits).toBeGreaterThan(0);
  });

  it('checks a file again when a package-level input it reads changes: variable defaults, declared filters', () => {
    const memo = new ValidationMemo('test');
    const cases = [
      [manifest(withDefault('src')), readme, template],
      [manifest(withDefault('../outside')), readme, template],
      [manifest({ ...withDefault('src'), unjucks: { ...withDefault('src').unjucks, filters: ['shout'] } }), readme, template],
      [manifest(withDefault('src')), readme, template],
    ];
    for (const files of cases) expect(validateFiles(files, {}, memo)).toEqual(validateFiles(files));
    const rules = cases.map((files) => validateFiles(files, {}, memo).findings.map((f) => f.rule));
    // The defaults and the filters really do change the findings, so a stale entry would show.
    expect(rules[0]).toContain('nunjucks/unknown-filter');
    expect(rules[1]).toContain('frontmatter/to-escapes-root');
    expect(rules[2]).not.toContain('nunjucks/unknown-filter');
  });

  it('names the file where it is now when the same bytes moved', () => {
    const memo = new ValidationMemo('test');
    const bad = '---\nto: "{{ name }}.ts"\n---\n{{ x.constructor }}\n';
    const at = (path: string) => [manifest(), readme, file(path, bad)];
    validateFiles(at(`${T}/a.njk`), {}, memo);
    const moved = validateFiles(at(`${T}/b.njk`), {}, memo);
    expect(moved).toEqual(validateFiles(at(`${T}/b.njk`)));
    expect(moved.findings.find((f) => f.rule === 'nunjucks/unsafe-member')?.file).toBe(`${T}/b.njk`);
  });

  it('reuses the checks of unchanged files across versions', () => {
    const memo = new ValidationMemo('test');
    validateFiles([manifest(withDefault('src'), '1.0.0'), readme, template], {}, memo);
    const before = memo.hits;
    const report = validateFiles([manifest(withDefault('src'), '1.0.1'), readme, template], {}, memo);
    expect(report).toEqual(validateFiles([manifest(withDefault('src'), '1.0.1'), readme, template]));
    // The template's checks and the README's and template's secret scans; package.json changed.
    expect(memo.hits - before).toBe(3);
  });

  it('keeps nothing from a validation cut short by the time budget', () => {
    const memo = new ValidationMemo('test');
    const files = [manifest(withDefault('src')), readme, template];
    const cut = validateFiles(files, { timeBudgetMs: -1 }, memo);
    expect(cut.findings.map((f) => f.rule)).toContain('report/time-budget');
    expect(validateFiles(files, {}, memo)).toEqual(validateFiles(files));
  });
});
