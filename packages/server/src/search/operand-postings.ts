/** One tsquery operand's matching documents, as columns: what ranking a page needs, and no more. */
export interface Postings {
  ids: Int32Array;
  /** ts_rank of the document for this operand alone. */
  rank: Float32Array;
  /** 30-day download totals (int4 in Postgres). */
  downloads: Uint32Array;
  /** 0 to 100. */
  quality: Uint8Array;
  /** Bit 1: private, bit 2: deprecated. */
  flags: Uint8Array;
  names: string[];
  /** The highest package id in ids (0 when none). */
  maxId: number;
  /** How many of ids are public: a word's frequency, counted once per list instead of per search. */
  publicCount: number;
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
 * How far past a caller's limit a read goes: a list found that much too long stays known as too
 * long through as many changed packages (forgetHolders), where one found a single match too long
 * had to be read again after any change (at 100,000 packages, 50,001 rows for a common word).
 */
const OVER_BY = 1024;

interface Entry {
  postings: Promise<Postings | null>;
  size: number;
  /** The list once read (null: too many matches to keep); undefined while it is being read. */
  list?: Postings | null;
  /** For a list too long to keep: how many matches it has at least (fewer by one per changed package since). */
  atLeast?: number;
}

/**
 * Per operand (`'react'`, `'rea':*`), its matches with their rank, kept until a change reaches
 * them (forgetHolders, drop). For a query whose words are OR-ed, ts_rank is the sum of each distinct operand's rank divided
 * by how many there are (calc_rank_or in Postgres), so a query is ranked from these lists without
 * scoring every match in SQL again: queries are many and distinct, their words few and shared.
 * Bounded by postings held (maxPostings), least recently used operands out first: dropping them
 * all at once made every word cold together when the words in use held about the bound (at 100k
 * packages, the scale bench's 105 words hold 495k). An operand with more matches than the
 * caller's limit is not kept (null), and the caller ranks in SQL.
 */
export class OperandPostings {
  private entries = new Map<string, Entry>();
  private held = 0;
  /**
   * One string per package name, shared by every list it is in: each row brings its own copy,
   * and a package is in a list per word it has (about four in the scale bench), so at 100,000
   * packages the kept names were 395k strings, 14 MB, over half of what the lists held. Dropped
   * with the lists: a rename is a change, so a name kept here is the package's name until then.
   */
  private names = new Map<number, string>();

  constructor(
    private readonly fetch: (operand: string, limit: number) => Promise<PostingRow[]>,
    readonly maxPostings = 500_000,
  ) {}

  clear() {
    this.entries = new Map();
    this.held = 0;
    this.names = new Map();
  }

  /**
   * Drops what a change to these packages may have made wrong: lists that hold one of the packages,
   * and lists being read (the read may have begun before the change). Of the lists left
   * (withLists), the caller drops those the packages' new documents match (drop). A list too long
   * to keep stays known as such while it surely still is: each changed package may have taken one
   * match from it (see get).
   */
  forgetHolders(ids: ReadonlySet<number>): void {
    for (const [operand, e] of this.entries) {
      if (e.list === undefined || (e.list !== null && holdsAny(e.list, ids))) {
        this.entries.delete(operand);
        this.held -= e.size;
      } else if (e.list === null) e.atLeast! -= ids.size;
    }
  }

  /** The operands kept with a list (not too long, not being read). */
  withLists(): string[] {
    const out: string[] = [];
    for (const [operand, e] of this.entries) if (e.list) out.push(operand);
    return out;
  }

  /** Drops these operands' lists. */
  drop(operands: Iterable<string>) {
    for (const operand of operands) {
      const e = this.entries.get(operand);
      if (!e) continue;
      this.entries.delete(operand);
      this.held -= e.size;
    }
  }

  /** How many postings are held (tests, and the memory figures in bench/search.mjs). */
  get size() {
    return this.held;
  }

  /** The operand's postings, or null when it matches more than `limit` (at most a quarter of maxPostings). */
  get(operand: string, limit = this.maxPostings / 4): Promise<Postings | null> {
    const entries = this.entries;
    const max = Math.floor(Math.min(limit, this.maxPostings / 4));
    const hit = entries.get(operand);
    // Known too long only for a smaller limit, or no longer surely too long after changes: read again.
    if (hit?.list === null && hit.atLeast! <= max) entries.delete(operand);
    else if (hit) {
      // Most recently used last: eviction takes from the front.
      entries.delete(operand);
      entries.set(operand, hit);
      return hit.postings;
    }
    const entry: Entry = { postings: null as unknown as Promise<Postings | null>, size: 0 };
    entry.postings = this.fetch(operand, max + 1 + OVER_BY).then(
      (rows) => {
        if (rows.length > max) {
          if (entries.get(operand) === entry) (entry.list = null), (entry.atLeast = rows.length);
          return null;
        }
        // A change while this was read cleared the map or dropped this entry: the answer serves its callers, not later ones.
        if (this.entries !== entries || entries.get(operand) !== entry) return columns(rows, new Map());
        entry.size = rows.length;
        this.held += rows.length;
        for (const [op, e] of entries) {
          if (this.held <= this.maxPostings) break;
          if (e === entry) continue;
          entries.delete(op);
          this.held -= e.size;
        }
        // No more names than postings held (evicted lists leave theirs behind until then).
        if (this.names.size > this.maxPostings) this.names = new Map();
        entry.list = columns(rows, this.names);
        return entry.list;
      },
      (e: unknown) => {
        if (entries.get(operand) === entry) entries.delete(operand);
        throw e;
      },
    );
    entries.set(operand, entry);
    return entry.postings;
  }
}

/** Whether the list holds any of the ids (a typed array's indexOf: a scan of memory, no loop here). */
function holdsAny(list: Postings, ids: ReadonlySet<number>): boolean {
  for (const id of ids) if (id <= list.maxId && list.ids.indexOf(id) >= 0) return true;
  return false;
}

function columns(rows: PostingRow[], names: Map<number, string>): Postings {
  const n = rows.length;
  const out: Postings = {
    ids: new Int32Array(n),
    rank: new Float32Array(n),
    downloads: new Uint32Array(n),
    quality: new Uint8Array(n),
    flags: new Uint8Array(n),
    names: new Array<string>(n),
    maxId: 0,
    publicCount: 0,
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    out.ids[i] = Number(r.id);
    out.rank[i] = Number(r.rank);
    out.downloads[i] = Number(r.downloads);
    out.quality[i] = Number(r.quality);
    out.flags[i] = (r.private ? PRIVATE : 0) | (r.deprecated ? DEPRECATED : 0);
    let name = names.get(out.ids[i]!);
    if (name !== r.name) names.set(out.ids[i]!, (name = r.name));
    out.names[i] = name;
    if (!r.private) out.publicCount++;
    if (out.ids[i]! > out.maxId) out.maxId = out.ids[i]!;
  }
  return out;
}
