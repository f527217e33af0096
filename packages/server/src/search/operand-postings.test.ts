import { describe, expect, it } from 'vitest';
import { OperandPostings, type PostingRow } from './operand-postings.js';

const rows = (n: number, from = 1): PostingRow[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, rank: 0.5, downloads: 3, quality: 80, private: false, deprecated: false, name: `p${from + i}` }));

describe('OperandPostings', () => {
  it('evicts the least recently used operands past the bound, not all of them', async () => {
    const reads: string[] = [];
    const p = new OperandPostings(async (op) => (reads.push(op), rows(10)), 40);
    for (const op of ['a', 'b', 'c', 'd']) await p.get(op);
    expect(p.size).toBe(40);
    await p.get('a'); // used again: b is now the oldest
    await p.get('e');
    expect(p.size).toBe(40);
    reads.length = 0;
    for (const op of ['a', 'c', 'd', 'e']) await p.get(op);
    expect(reads).toEqual([]);
    await p.get('b');
    expect(reads).toEqual(['b']);
  });

  it('answers null past the caller limit and holds nothing for it', async () => {
    const p = new OperandPostings(async (_op, limit) => rows(Math.min(limit, 25)), 400);
    expect(await p.get('common', 20)).toBeNull();
    expect(p.size).toBe(0);
    const kept = await p.get('rare', 30);
    expect(kept?.ids.length).toBe(25);
    expect(kept?.downloads[0]).toBe(3);
    expect(kept?.quality[0]).toBe(80);
  });

  it('does not keep an answer read across a clear', async () => {
    let release: () => void = () => undefined;
    const p = new OperandPostings(() => new Promise<PostingRow[]>((r) => (release = () => r(rows(5)))), 100);
    const pending = p.get('a');
    p.clear();
    release();
    expect((await pending)?.ids.length).toBe(5);
    expect(p.size).toBe(0);
  });

  it('forgets on a change only the lists that hold a changed package, lists being read, and those it drops', async () => {
    const reads: [string, number][] = [];
    let release: () => void = () => undefined;
    // The first read of 'slow' waits until released; later ones do not.
    let gate: Promise<void> | null = new Promise<void>((r) => (release = r));
    const p = new OperandPostings(async (op, limit) => {
      reads.push([op, limit]);
      if (op === 'slow' && gate) await gate;
      // 'a' holds packages 1-10, 'b' 11-20, 'c' 21-30, 'common' 2,000 (the read stops at the limit).
      return op === 'common' ? rows(Math.min(limit, 2000)) : rows(10, { a: 1, b: 11, c: 21, slow: 31 }[op]!);
    }, 10_000);
    for (const op of ['a', 'b', 'c']) await p.get(op);
    expect(await p.get('common', 50)).toBeNull();
    // Read 1,024 past the limit: 1,075 rows.
    expect(reads.at(-1)).toEqual(['common', 50 + 1 + 1024]);
    const slow = p.get('slow');
    // Package 12 changed: 'b' held it, 'slow' was being read; 'common' was too long to keep anyway.
    p.forgetHolders(new Set([12]));
    expect(p.withLists().sort()).toEqual(['a', 'c']);
    expect(p.size).toBe(20);
    release();
    gate = null;
    expect((await slow)?.ids.length).toBe(10);
    // Its new document matches 'c' (the caller asked Postgres).
    p.drop(['c']);
    expect(p.size).toBe(10);
    reads.length = 0;
    for (const op of ['a', 'b', 'c', 'slow']) await p.get(op);
    expect(reads.map(([op]) => op)).toEqual(['b', 'c', 'slow']);
    // 'common' had 1,075 matches at least, 1,074 after that change: too long is known for limits up to 1,073.
    reads.length = 0;
    expect(await p.get('common', 50)).toBeNull();
    expect(await p.get('common', 1073)).toBeNull();
    expect(reads).toEqual([]);
    expect(await p.get('common', 1074)).toBeNull();
    expect(reads).toEqual([['common', 1074 + 1 + 1024]]);
    // Read again past 2,000 it fits: the list is kept.
    expect((await p.get('common', 2000))?.ids.length).toBe(2000);
  });
});
