import { describe, expect, it } from 'vitest';
import { nameProblem, parseName, tarballFileName } from './name.js';

describe('package names', () => {
  it.each(['react-gen', '@acme/react-gen', 'a', 'x.y_z~1', '@a-b/c.d', 'a'.repeat(214)])('accepts %s', (name) => {
    expect(nameProblem(name)).toBeNull();
  });

  it.each([
    ['', /required/],
    ['React', /lowercase/],
    [' lead', /spaces/],
    ['a b', /spaces/],
    ['.hidden', /no leading/],
    ['_under', /no leading/],
    ['@scope', /only contain/],
    ['@/x', /only contain/],
    ['a/b', /only contain/],
    ['café', /ASCII/],
    ['a'.repeat(215), /214/],
    ['node_modules', /reserved/],
    ['with(parens)', /only contain/],
  ])('refuses %j', (name, why) => {
    expect(nameProblem(name)).toMatch(why);
  });

  it('splits scope and basename', () => {
    expect(parseName('@acme/gen')).toEqual({ name: '@acme/gen', scope: '@acme', basename: 'gen' });
    expect(tarballFileName('@acme/gen', '1.0.0')).toBe('gen-1.0.0.tgz');
    expect(() => parseName('Nope')).toThrow(/invalid package name/);
  });
});
