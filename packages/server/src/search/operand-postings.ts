/** One tsquery operand's matching documents, as columns: what ranking a page needs, and no more. */
export interface Postings {
  ids: Int32Array;
  /** ts_rank of the document for this operand alone. */
  rank: Float32Array;
  downloads: Float64Array;
  quality: Float64Array;
  /** Bit 1: private, bit 2: deprecated. */
  flags: Uint8Array;
  names: string[];
  /** The highest package id in ids (0 when none). */
  maxId: number;
}

export interface PostingRow {
  id: number;
  rank: number;
  downloads: number;
  quality: number;
  private: boolean;
  deprecated: boolean;
  name: string;
}

export const PRIVATE = 1;
export const DEPRECATED = 2;

/**
 * Per operand (`'react'`, `'rea':*`), its matches with their rank, kept until the next change.
 * For a query whose words are OR-ed, ts_rank is the sum of each distinct operand's rank divided
 * by how many there are (calc_rank_or in Postgres), so a query is ranked from these lists without
 * scoring every match in SQL again: queries are many and distinct, their words few and shared.
 * Bounded by postings held (maxPostings); an operand with more than a quarter of that is not
 * kept (null), and the caller ranks in SQL.
 */
export class OperandPostings {
  private entries = new Map<string, Promise<Postings | null>>();
  private held = 0;

  constructor(
    private readonly fetch: (operand: string, limit: number) => Promise<PostingRow[]>,
    private readonly maxPostings = 500_000,
  ) {}

  clear() {
    this.entries = new Map();
    this.held = 0;
  }

  get(operand: string): Promise<Postings | null> {
    const entries = this.entries;
    const hit = entries.get(operand);
    if (hit) return hit;
    const limit = Math.floor(this.maxPostings / 4);
    const p = this.fetch(operand, limit + 1).then(
      (rows) => {
        if (rows.length > limit) return null;
        // A change while this was read cleared the map: the answer serves its callers, not later ones.
        if (this.entries !== entries) return columns(rows);
        if (this.held + rows.length > this.maxPostings) {
          this.clear();
          this.entries.set(operand, p);
        }
        this.held += rows.length;
        return columns(rows);
      },
      (e: unknown) => {
        entries.delete(operand);
        throw e;
      },
    );
    entries.set(operand, p);
    return p;
  }
}

function columns(rows: PostingRow[]): Postings {
  const n = rows.length;
  const out: Postings = {
    ids: new Int32Array(n),
    rank: new Float32Array(n),
    downloads: new Float64Array(n),
    quality: new Float64Array(n),
    flags: new Uint8Array(n),
    names: new Array<string>(n),
    maxId: 0,
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    out.ids[i] = Number(r.id);
    out.rank[i] = Number(r.rank);
    out.downloads[i] = Number(r.downloads);
    out.quality[i] = Number(r.quality);
    out.flags[i] = (r.private ? PRIVATE : 0) | (r.deprecated ? DEPRECATED : 0);
    out.names[i] = r.name;
    if (out.ids[i]! > out.maxId) out.maxId = out.ids[i]!;
  }
  return out;
}
