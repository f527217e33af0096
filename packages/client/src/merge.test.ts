import { describe, expect, it } from 'vitest';
import { isText, mergeText } from './merge.js';

const labels = { ours: 'local', theirs: 'pkg@2.0.0' };

describe('mergeText', () => {
  it('keeps edits made on different lines by each side', () => {
    const r = mergeText('a\nb\nc\nd\n', 'a (mine)\nb\nc\nd\n', 'a\nb\nc\nd (theirs)\n', labels);
    expect(r).toEqual({ conflict: false, text: 'a (mine)\nb\nc\nd (theirs)\n' });
  });

  it('is no conflict when both sides made the same change', () => {
    expect(mergeText('a\nb\n', 'a\nB\n', 'a\nB\n', labels)).toEqual({ conflict: false, text: 'a\nB\n' });
  });

  it('marks a line both sides changed differently with git-style markers', () => {
    const r = mergeText('a\nb\nc\n', 'a\nmine\nc\n', 'a\ntheirs\nc\n', labels);
    expect(r.conflict).toBe(true);
    expect(r.text).toBe('a\n<<<<<<< local\nmine\n=======\ntheirs\n>>>>>>> pkg@2.0.0\nc\n');
  });
});

describe('isText', () => {
  it('treats a NUL byte as binary', () => {
    expect(isText(Buffer.from('plain\n'))).toBe(true);
    expect(isText(Buffer.from([0x89, 0x50, 0x00, 0x01]))).toBe(false);
  });
});
