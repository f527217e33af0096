import { describe, expect, it } from 'vitest';
import { movesLatest, resolveSpec, tagProblem, versionProblem } from './version.js';

const versions = ['0.9.0', '1.0.0', '1.1.0', '1.2.0-beta.1', '2.0.0-rc.1'];

describe('versions', () => {
  it.each(['1.0.0', '0.0.1', '1.2.3-beta.1', '10.20.30-rc.1.2'])('accepts strict %s', (v) => {
    expect(versionProblem(v)).toBeNull();
  });
  it('refuses build metadata, which would make two numbers one version', () => {
    expect(versionProblem('1.0.0+build.5')).toMatch(/build metadata/);
  });
  it.each(['v1.0.0', '=1.0.0', '1.0', '01.0.0', ' 1.0.0', '1.0.0.0', 'latest', ''])('refuses %j', (v) => {
    expect(versionProblem(v)).not.toBeNull();
  });

  it('moves latest only for stable versions above the current one', () => {
    expect(movesLatest('1.0.0', null)).toBe(true);
    expect(movesLatest('1.0.0-beta.1', null)).toBe(false);
    expect(movesLatest('1.1.0', '1.0.0')).toBe(true);
    expect(movesLatest('0.9.0', '1.0.0')).toBe(false);
    expect(movesLatest('2.0.0-rc.1', '1.0.0')).toBe(false);
  });

  it('resolves specs as npm does', () => {
    const tags = { latest: '1.0.0', beta: '1.2.0-beta.1' };
    expect(resolveSpec('', versions, tags)).toBe('1.0.0');
    expect(resolveSpec('latest', versions, tags)).toBe('1.0.0');
    expect(resolveSpec('^1.0.0', versions, tags)).toBe('1.1.0');
    expect(resolveSpec('beta', versions, tags)).toBe('1.2.0-beta.1');
    expect(resolveSpec('^1.2.0-beta.0', versions, tags)).toBe('1.2.0-beta.1');
    expect(resolveSpec('>=2', versions, tags)).toBeNull();
    expect(resolveSpec('9.0.0', versions, tags)).toBeNull();
    expect(resolveSpec('gone', versions, { gone: '5.0.0' })).toBeNull();
    // With no latest yet (only prereleases), the highest version is the default.
    expect(resolveSpec('', ['1.0.0-alpha.1', '1.0.0-alpha.2'], {})).toBe('1.0.0-alpha.2');
  });

  it('refuses tags that look like versions or ranges', () => {
    expect(tagProblem('next')).toBeNull();
    expect(tagProblem('x')).toMatch(/range/);
    expect(tagProblem('1.x')).not.toBeNull();
    expect(tagProblem('^1')).not.toBeNull();
    expect(tagProblem('1.0.0')).not.toBeNull();
  });
});
