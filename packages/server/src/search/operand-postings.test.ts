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
});
