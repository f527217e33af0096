import { describe, expect, it } from 'vitest';
import type { PackageDoc } from '@unjucks/core';
import { assertNoCycle, resolveGraph } from './resolve.js';

/** A registry in memory: name → version → dependencies. */
function registry(pkgs: Record<string, Record<string, Record<string, string>>>) {
  const packument = async (name: string): Promise<PackageDoc> => {
    const versions = pkgs[name];
    if (!versions) throw new Error(`no package ${name}`);
    const latest = Object.keys(versions).sort().at(-1)!;
    return {
      name,
      description: null,
      'dist-tags': { latest },
      readme: null,
      time: { created: '', modified: '' },
      versions: Object.fromEntries(
        Object.entries(versions).map(([version, dependencies]) => [
          version,
          { name, version, manifest: { name, version, dependencies }, dist: { tarball: `t/${name}-${version}.tgz`, integrity: 'x' } } as never,
        ]),
      ),
    };
  };
  return { packument };
}
const versionsOf = (graph: Map<string, { version: string }>) => Object.fromEntries([...graph].map(([n, p]) => [n, p.version]));

describe('resolveGraph', () => {
  it('picks one version per name that every range allows, the highest', async () => {
    const r = registry({
      app: { '1.0.0': { base: '^1.0.0', lib: '^1.0.0' } },
      lib: { '1.0.0': { base: '~1.1.0' } },
      base: { '1.0.0': {}, '1.1.0': {}, '1.1.5': {}, '1.2.0': {}, '2.0.0': {} },
    });
    expect(versionsOf(await resolveGraph({ app: '^1' }, r.packument))).toEqual({ app: '1.0.0', lib: '1.0.0', base: '1.1.5' });
  });

  it('keeps a preferred (locked) version while it fits, and leaves it when it does not', async () => {
    const r = registry({ base: { '1.0.0': {}, '1.1.0': {}, '2.0.0': {} } });
    expect(versionsOf(await resolveGraph({ base: '^1' }, r.packument, { base: '1.0.0' }))).toEqual({ base: '1.0.0' });
    expect(versionsOf(await resolveGraph({ base: '^2' }, r.packument, { base: '1.0.0' }))).toEqual({ base: '2.0.0' });
  });

  it("follows only the chosen versions' dependencies", async () => {
    const r = registry({
      top: { '1.0.0': { mid: '^1.0.0' }, '1.1.0': { mid: '^2.0.0' } },
      mid: { '1.0.0': { leaf: '^1.0.0' }, '2.0.0': {} },
      leaf: { '1.0.0': {} },
    });
    expect(versionsOf(await resolveGraph({ top: '^1' }, r.packument))).toEqual({ top: '1.1.0', mid: '2.0.0' });
    expect(versionsOf(await resolveGraph({ top: '^1' }, r.packument, { top: '1.0.0' }))).toEqual({ top: '1.0.0', mid: '1.0.0', leaf: '1.0.0' });
  });

  it('names every range and who asks for it when no version fits them all', async () => {
    const r = registry({ a: { '1.0.0': { base: '^1.0.0' } }, b: { '1.0.0': { base: '^2.0.0' } }, base: { '1.0.0': {}, '2.0.0': {} } });
    await expect(resolveGraph({ a: '^1', b: '^1' }, r.packument)).rejects.toThrow(
      'no single version of base satisfies every range asked for: ^2.0.0 (from b@1.0.0), ^1.0.0 (from a@1.0.0); versions: 1.0.0, 2.0.0',
    );
    await expect(resolveGraph({ base: '^3' }, r.packument)).rejects.toThrow('no version of base matches ^3 (from your project); versions: 1.0.0, 2.0.0');
  });

  it('refuses cycles, self-dependencies included', async () => {
    const r = registry({
      x: { '1.0.0': { y: '^1.0.0' } },
      y: { '1.0.0': { z: '^1.0.0' } },
      z: { '1.0.0': { x: '^1.0.0' } },
      me: { '1.0.0': { me: '^1.0.0' } },
    });
    await expect(resolveGraph({ x: '^1' }, r.packument)).rejects.toThrow('dependency cycle: x@1.0.0 → y@1.0.0 → z@1.0.0 → x@1.0.0');
    await expect(resolveGraph({ me: '^1' }, r.packument)).rejects.toThrow('dependency cycle: me@1.0.0 → me@1.0.0');
  });
});

describe('assertNoCycle', () => {
  it('accepts a diamond', () => {
    const g = new Map<string, { name: string; version: string; dependencies: Record<string, string> }>([
      ['a', { name: 'a', version: '1.0.0', dependencies: { b: '1', c: '1' } }],
      ['b', { name: 'b', version: '1.0.0', dependencies: { d: '1' } }],
      ['c', { name: 'c', version: '1.0.0', dependencies: { d: '1' } }],
      ['d', { name: 'd', version: '1.0.0', dependencies: {} }],
    ]);
    expect(() => assertNoCycle(g)).not.toThrow();
  });
});
