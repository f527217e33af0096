import { merge } from 'node-diff3';

/** Text that diff3 may merge line by line: no NUL byte in the first 8 KiB, as git decides. */
export const isText = (b: Buffer) => !b.subarray(0, 8192).includes(0);

/**
 * A three-way merge of a file: `base` as the old version shipped it, `ours` as it is on disk,
 * `theirs` as the new version ships it. node-diff3 (a port of GNU diff3's algorithm) does the work;
 * changes made identically on both sides are not conflicts. A conflict leaves git's markers.
 */
export function mergeText(base: string, ours: string, theirs: string, labels: { ours: string; theirs: string }): { text: string; conflict: boolean } {
  const r = merge(ours.split('\n'), base.split('\n'), theirs.split('\n'), { label: { a: labels.ours, b: labels.theirs } });
  return { text: r.result.join('\n'), conflict: r.conflict };
}
