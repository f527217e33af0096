import { describe, expect, it } from 'vitest';
import { firstByFinal } from './postgres-search.js';
import { topK } from './search-index.js';

/**
 * Matches as PostgresSearch's merge lays them out: each list's postings in name order, drawn from
 * one set of packages so that some are in several lists; a package takes a slot in the first list
 * that has it, so a list's slots are consecutive and in its name order. Final scores come from a
 * few values, so that most of them tie (as the scale bench's generated packages do, and as packages
 * with no downloads and one quality do).
 */
function matches(seed: number, lists: number, perList: number, distinct: number) {
  let x = seed;
  const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const packages = Array.from({ length: perList * 2 }, (_, i) => `p${String(i).padStart(5, '0')}`);
  const slotted = new Set<string>();
  const starts = new Int32Array(lists + 1);
  const names: string[] = [];
  const fromList: number[] = [];
  const at: number[] = [];
  const finals: number[] = [];
  for (let li = 0; li < lists; li++) {
    starts[li] = names.length;
    const postings = packages.filter(() => random() < 0.5);
    for (const [j, name] of postings.entries()) {
      if (slotted.has(name)) continue;
      slotted.add(name);
      names.push(name);
      fromList.push(li);
      at.push(j);
      finals.push(Math.floor(random() * distinct) / distinct);
    }
  }
  starts[lists] = names.length;
  // The merge's order: final score, then name (a list's position, within one list).
  const before = (a: number, b: number) =>
    finals[b]! - finals[a]! || (fromList[a] === fromList[b] ? at[a]! - at[b]! : names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0);
  return { n: names.length, starts, finals: Float64Array.from(finals), before };
}

describe('firstByFinal', () => {
  it('answers the first k in the merge order, as sorting every match would, through ties across lists', () => {
    let compared = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const lists = 1 + (seed % 4);
      const { n, starts, finals, before } = matches(seed, lists, 50 + (seed % 7) * 100, 1 + (seed % 5));
      for (const k of [1, 3, 20, 60]) {
        const all = Array.from({ length: n }, (_, i) => i).sort(before);
        expect(firstByFinal(n, k, finals, starts, before)).toEqual(all.slice(0, k));
        compared++;
      }
    }
    expect(compared).toBe(1200);
  });

  it('agrees with topK, which it stands in for when no match is an exact name', () => {
    const { n, starts, finals, before } = matches(7, 3, 2000, 2);
    expect(n).toBeGreaterThan(1000);
    expect(firstByFinal(n, 20, finals, starts, before)).toEqual(topK(n, 20, before));
  });

  it('answers nothing for no matches or an empty page', () => {
    const { starts, finals, before } = matches(3, 2, 10, 2);
    expect(firstByFinal(0, 20, finals, starts, before)).toEqual([]);
    expect(firstByFinal(finals.length, 0, finals, starts, before)).toEqual([]);
  });
});
