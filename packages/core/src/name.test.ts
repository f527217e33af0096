import { describe, expect, it } from 'vitest';
import { assertNewName, nameProblem, newNameProblem, parseName, tarballFileName } from './name.js';

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

describe('names for new packages', () => {
  it.each(['react-gen', '@acme/react-gen', 'a.b_c-d', '@a-b/c.d'])('accepts %s', (name) => {
    expect(newNameProblem(name)).toBeNull();
  });

  it.each([
    ['x.y_z~1', /special characters/],
    ["it's", /only contain/],
    ['wow!', /only contain/],
    ['star*', /only contain/],
    ['@acme/til~de', /special characters/],
    ['http', /core module/],
    ['-dash', /hyphen/],
    ['@~/gen', /invalid scope name/],
    ['@-/gen', /invalid scope name/],
    ['@-acme/gen', /invalid scope name/],
    ['React', /lowercase/],
  ])('refuses %j', (name, why) => {
    expect(newNameProblem(name)).toMatch(why);
  });

  it('keeps accepting names from before these rules for existing packages', () => {
    expect(nameProblem('x.y_z~1')).toBeNull();
    expect(nameProblem('@~/gen')).toBeNull();
    expect(() => assertNewName('@~/gen')).toThrow(/invalid name for a new package/);
  });
});
