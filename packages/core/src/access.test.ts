import { describe, expect, it } from 'vitest';
import { matchesPattern, parseActions, parseDuration, parsePatterns, patternCovers, patternProblem, strongerRole } from './access.js';

describe('token actions', () => {
  it('expands presets, keeps a fixed order and refuses unknown actions', () => {
    expect(parseActions('tags,read')).toEqual(['read', 'tags']);
    expect(parseActions(['reader'])).toEqual(['read']);
    expect(parseActions('admin')).toContain('admin');
    expect(parseActions('publisher')).not.toContain('admin');
    expect(() => parseActions('read,fly')).toThrow(/unknown action "fly"/);
    expect(() => parseActions([])).toThrow(/at least one action/);
    expect(() => parseActions(42)).toThrow(/must be a list/);
  });
});

describe('package patterns', () => {
  it('accepts exact names, @scope/* and prefix*, and nothing else', () => {
    for (const ok of ['tpl', '@acme/tpl', '@acme/*', 'tpl-*', '*']) expect(patternProblem(ok), ok).toBeNull();
    for (const bad of ['', 'a*b*', 'Upper', '@acme', '../x', 'a b']) expect(patternProblem(bad), bad).not.toBeNull();
    expect(parsePatterns(undefined)).toBeNull();
    expect(parsePatterns('@acme/*, tpl-*')).toEqual(['@acme/*', 'tpl-*']);
  });

  it('matches by prefix only where the pattern ends in *', () => {
    expect(matchesPattern('@acme/*', '@acme/x')).toBe(true);
    expect(matchesPattern('@acme/*', '@acmex/y')).toBe(false);
    expect(matchesPattern('tpl', 'tpl-extra')).toBe(false);
    expect(matchesPattern('*', 'anything')).toBe(true);
  });

  it('knows when one pattern covers another, so a token cannot widen its creator', () => {
    expect(patternCovers('@acme/*', '@acme/web-*')).toBe(true);
    expect(patternCovers('@acme/*', '@acme/x')).toBe(true);
    expect(patternCovers('@acme/x', '@acme/*')).toBe(false);
    expect(patternCovers('tpl', 'tpl')).toBe(true);
    expect(patternCovers('tpl', 'tpl*')).toBe(false);
  });
});

describe('durations and roles', () => {
  it('parses units and refuses garbage', () => {
    expect(parseDuration('30d')).toBe(30 * 86400);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration(12.7)).toBe(12);
    expect(() => parseDuration('soon')).toThrow(/such as 30d/);
    expect(() => parseDuration(-1)).toThrow(/not negative/);
  });

  it('orders roles reader < maintainer < owner', () => {
    expect(strongerRole('reader', 'owner')).toBe('owner');
    expect(strongerRole(null, 'maintainer')).toBe('maintainer');
    expect(strongerRole('maintainer', null)).toBe('maintainer');
  });
});
