import { describe, expect, it } from 'vitest';
import { manifestProblems, parseManifest } from './manifest.js';

const base = { name: 'gen', version: '1.0.0' };

describe('manifest', () => {
  it('accepts a full manifest', () => {
    expect(
      manifestProblems({
        ...base,
        description: 'd',
        keywords: ['a'],
        license: 'MIT',
        repository: { type: 'git', url: 'https://example.test/x.git' },
        engines: { unjucks: '>=1 <3' },
        unjucks: {
          generators: {
            component: {
              templates: {
                react: {
                  variables: {
                    type: 'object',
                    required: ['name'],
                    properties: { name: { type: 'string', pattern: '^[A-Z]', 'x-prompt': 'Name?' }, style: { enum: ['css'], default: 'css' } },
                  },
                },
              },
            },
          },
        },
      }),
    ).toEqual([]);
  });

  it.each([
    [{ ...base, keywords: 'a' }, /keywords must be an array/],
    [{ ...base, engines: { unjucks: 'soon' } }, /engines.unjucks must be a semver range/],
    [{ ...base, repository: 5 }, /repository/],
    [{ ...base, unjucks: { generators: { '../x': { templates: {} } } } }, /generator name is a directory name/],
    [{ ...base, unjucks: { generators: { g: {} } } }, /templates must be an object/],
    [{ ...base, unjucks: { generators: { g: { templates: { t: { variables: { type: 'text' } } } } } } }, /variables.type must be one of/],
    [{ ...base, unjucks: { generators: { g: { templates: { t: { variables: { pattern: '(' } } } } } } }, /not a valid regular expression/],
    [{ ...base, unjucks: { generators: { g: { templates: { t: { variables: { required: 'name' } } } } } } }, /required must be an array/],
  ])('reports %j', (m, why) => {
    expect(manifestProblems(m).join('\n')).toMatch(why);
  });

  it('names every problem at once', () => {
    const problems = manifestProblems({ name: 'Bad', version: 'x', license: 1 });
    expect(problems).toHaveLength(3);
    expect(() => parseManifest('{"name":')).toThrow(/not valid JSON/);
  });
});
