import { describe, expect, it } from 'vitest';
import { DepthScanner, readJsonStream } from './json-body.js';

const enc = new TextEncoder();

/** A body arriving in the given chunks; `pulled` says how many the reader asked for. */
function body(chunks: string[]) {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(enc.encode(chunks[i++]!));
      else controller.close();
    },
  });
  return { stream, pulled: () => i };
}

describe('DepthScanner', () => {
  it('counts nesting outside strings only, across chunk boundaries and escapes', () => {
    const s = new DepthScanner(3);
    expect(s.push(enc.encode('{"a":"[[[[\\"{{{{'))).toBe(true);
    expect(s.push(enc.encode('", "b": [['))).toBe(true);
    expect(s.depth).toBe(3);
    expect(s.push(enc.encode(']]}'))).toBe(true);
    expect(s.depth).toBe(0);
    expect(new DepthScanner(3).push(enc.encode('[[[['))).toBe(false);
  });
});

describe('readJsonStream', () => {
  it('parses a body within its limits', async () => {
    expect(await readJsonStream(body(['{"a":', '[1,2]}']).stream, { expected: 'x' })).toEqual({ a: [1, 2] });
  });

  it('refuses a body the moment it passes the size limit, without reading the rest', async () => {
    const b = body(Array.from({ length: 100 }, () => 'x'.repeat(1000)));
    await expect(readJsonStream(b.stream, { expected: 'x', maxBytes: 4096 })).rejects.toMatchObject({ status: 413 });
    expect(b.pulled()).toBeLessThan(10);
  });

  it('refuses deep nesting while it streams in, before any parse', async () => {
    const b = body([...Array.from({ length: 100 }, () => '['.repeat(1000)), ']'.repeat(100_000)]);
    await expect(readJsonStream(b.stream, { expected: 'x' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/nests deeper than 64 levels/),
    });
    expect(b.pulled()).toBe(1);
  });

  it('says what was expected for an empty or broken body', async () => {
    await expect(readJsonStream(body([]).stream, { expected: '{ "name": ... }' })).rejects.toThrow(/must be JSON: \{ "name": ... \}/);
    await expect(readJsonStream(body(['{"a":']).stream, { expected: 'x' })).rejects.toMatchObject({ status: 400 });
    await expect(readJsonStream(null, { expected: 'x' })).rejects.toMatchObject({ status: 400 });
  });
});
