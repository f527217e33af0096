/**
 * Reused per-package-id arrays for merging postings: a slot per id, valid while its stamp is the
 * current one. A merge visits every posting of every query word (thousands per search), and a
 * Map per search cost the allocations that filled the young generation (a scavenge every ~25
 * searches at 10k packages). Only for merges that finish without an await: one scratch serves all.
 */
export class IdSlots {
  private arrays = { stamp: new Uint32Array(0), slot: new Int32Array(0), gen: 0 };

  /** The arrays, large enough for this package id, with a fresh stamp: every id reads as unseen. */
  fresh(maxId: number) {
    let s = this.arrays;
    if (s.stamp.length <= maxId) {
      const size = Math.max(maxId + 1, s.stamp.length * 2);
      s = this.arrays = { stamp: new Uint32Array(size), slot: new Int32Array(size), gen: 0 };
    }
    if (++s.gen === 0xffffffff) {
      s.stamp.fill(0);
      s.gen = 1;
    }
    return s;
  }
}
