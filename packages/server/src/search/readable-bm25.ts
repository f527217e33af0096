import MiniSearch, { type Options } from 'minisearch';
import type { SearchDoc } from './documents.js';

// MiniSearch's defaults, so that a registry without private packages scores as MiniSearch itself does.
const K = 1.2;
const B = 0.7;
const D = 0.5;
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;

/** Distinct readers' views kept at once; past it they are worked out again. */
const MAX_VIEWS = 64;
/** Words whose private holders are remembered (see privateHolders); past it they are counted again. */
const MAX_HOLDER_COUNTS = 20_000;

type FieldTermData = Map<number, Map<number, number>>;

/**
 * The documents one reader's BM25 statistics come from: every public one, and the private ones
 * that reader may read. `id` is unique for the life of the index, for keying caches.
 */
export interface ReaderView {
  readonly id: number;
  /** The readable private documents, by MiniSearch's short id. */
  readonly readable: ReadonlySet<number>;
  /** The same documents' package ids. */
  readonly packageIds: readonly number[];
  readonly count: number;
  /** The average length of each field (by field id) over the view's documents. */
  readonly avgLength: readonly number[];
}

/** How a query word is expanded: also as a prefix, and with up to `fuzzy` edits (0: none). */
export interface Expansion {
  prefix: boolean;
  fuzzy: number;
}

/**
 * MiniSearch's index and BM25+ scoring, with the statistics (document count, how many documents
 * hold a word, average field lengths) taken over what the reader may read instead of every
 * document. MiniSearch counts private packages into the statistics that score public ones, so a
 * public package's score told outsiders how many private packages hold a word
 * (test/security/search-score-oracle.e2e.test.ts); it takes no statistics from outside, hence
 * the scoring here, on its own index (protected members, there for subclasses).
 *
 * Separate indexes for public and private packages would keep the statistics apart too, but then
 * a private package's score comes from a tiny index and does not compare with public ones.
 *
 * It also counts only live documents: MiniSearch counts a discarded document, until vacuumed,
 * into how many documents hold a word, which after updates could make that exceed the number of
 * documents and scores negative.
 *
 * Only `add`, `addAll` and `discard` keep the statistics, and `replace` swaps a document whose
 * words did not change; nothing else is called on it.
 */
export class ReadableBm25Index extends MiniSearch<SearchDoc> {
  private readonly privateDocs = new Map<number, SearchDoc>();
  private publicCount = 0;
  private readonly publicLengths: number[];
  private readonly fieldBoosts: [fieldId: number, boost: number][];
  private views = new Map<string, ReaderView>();
  private nextViewId = 0;
  private holderCounts = new Map<string, number>();

  constructor(options: Options<SearchDoc>, boosts: Record<string, number>) {
    super(options);
    this.fieldBoosts = Object.entries(boosts).map(([field, boost]) => [this._fieldIds[field]!, boost]);
    this.publicLengths = new Array<number>(options.fields.length).fill(0);
  }

  override add(doc: SearchDoc): void {
    super.add(doc);
    const short = this._idToShortId.get(doc.id)!;
    if (doc.private) this.privateDocs.set(short, doc);
    else this.tally(short, 1);
    this.forgetViews();
  }

  override discard(id: number): void {
    const short = this._idToShortId.get(id);
    if (short !== undefined && !this.privateDocs.delete(short)) this.tally(short, -1);
    super.discard(id);
    this.forgetViews();
  }

  /**
   * A new object for a document already indexed with the same words and privacy (SearchIndex.upsert):
   * nothing indexed moves, and a private one is offered to readers' predicates (viewFor) as it is now.
   */
  replace(doc: SearchDoc): void {
    const short = this._idToShortId.get(doc.id);
    if (short !== undefined && this.privateDocs.has(short)) this.privateDocs.set(short, doc);
  }

  private forgetViews() {
    this.views.clear();
    this.holderCounts.clear();
  }

  private tally(short: number, delta: 1 | -1) {
    this.publicCount += delta;
    const lengths = this._fieldLength.get(short) ?? [];
    for (let f = 0; f < lengths.length; f++) this.publicLengths[f]! += delta * (lengths[f] ?? 0);
  }

  /** The view of a reader who may read the private documents `canSeePrivate` accepts (none when absent). */
  viewFor(canSeePrivate?: (doc: SearchDoc) => boolean): ReaderView {
    const readable: number[] = [];
    if (canSeePrivate) for (const [short, doc] of this.privateDocs) if (canSeePrivate(doc)) readable.push(short);
    // Within one state of the index the private documents come in the same order: equal sets, equal keys.
    const key = readable.join(',');
    const known = this.views.get(key);
    if (known) return known;
    const lengths = [...this.publicLengths];
    for (const short of readable) {
      const own = this._fieldLength.get(short) ?? [];
      for (let f = 0; f < lengths.length; f++) lengths[f]! += own[f] ?? 0;
    }
    const count = this.publicCount + readable.length;
    const view: ReaderView = {
      id: this.nextViewId++,
      readable: new Set(readable),
      packageIds: readable.map((short) => this.privateDocs.get(short)!.id),
      count,
      avgLength: lengths.map((l) => (count ? l / count : 0)),
    };
    if (this.views.size >= MAX_VIEWS) this.views.clear();
    this.views.set(key, view);
    return view;
  }

  /** How many of the view's private documents hold the word, in any field. */
  privateHolders(term: string, view: ReaderView): number {
    if (view.readable.size === 0) return 0;
    const key = `${view.id} ${term}`;
    const known = this.holderCounts.get(key);
    if (known !== undefined) return known;
    const holders = new Set<number>();
    for (const freqs of this._index.get(term)?.values() ?? []) for (const short of freqs.keys()) if (view.readable.has(short)) holders.add(short);
    if (this.holderCounts.size >= MAX_HOLDER_COUNTS) this.holderCounts.clear();
    this.holderCounts.set(key, holders.size);
    return holders.size;
  }

  /**
   * The documents of the view that match one query word, and their scores: what MiniSearch's
   * `search(term)` answers (the word as typed, its prefix and typo expansions), with the view's
   * statistics. Documents outside the view are neither scored nor returned.
   */
  scoreTerm(term: string, view: ReaderView, expansion: Expansion): { ids: number[]; scores: number[] } {
    const scores = new Map<number, number>();
    const exact = this._index.get(term);
    if (exact) this.scoreDerived(exact, 1, view, scores);
    const fuzzy = expansion.fuzzy ? this._index.fuzzyGet(term, expansion.fuzzy) : null;
    if (expansion.prefix)
      for (const [derived, data] of this._index.atPrefix(term)) {
        const distance = derived.length - term.length;
        if (!distance) continue;
        // A word both a prefix and a typo away counts as a prefix match, as in MiniSearch.
        fuzzy?.delete(derived);
        this.scoreDerived(data, (PREFIX_WEIGHT * derived.length) / (derived.length + 0.3 * distance), view, scores);
      }
    if (fuzzy)
      for (const [derived, [data, distance]] of fuzzy) {
        if (!distance) continue;
        this.scoreDerived(data, (FUZZY_WEIGHT * derived.length) / (derived.length + distance), view, scores);
      }
    const ids: number[] = [];
    const out: number[] = [];
    for (const [short, score] of scores) ids.push(this._documentIds.get(short) as number), out.push(score);
    return { ids, scores: out };
  }

  private inView(short: number, view: ReaderView) {
    return this._documentIds.has(short) && (!this.privateDocs.has(short) || view.readable.has(short));
  }

  /** Adds one indexed word's BM25+ score, weighted for how it was reached, to each matching document of the view. */
  private scoreDerived(data: FieldTermData, weight: number, view: ReaderView, scores: Map<number, number>) {
    for (const [fieldId, boost] of this.fieldBoosts) {
      const freqs = data.get(fieldId);
      if (!freqs) continue;
      let holding = 0;
      for (const short of freqs.keys()) if (this.inView(short, view)) holding++;
      if (!holding) continue;
      const idf = Math.log(1 + (view.count - holding + 0.5) / (holding + 0.5));
      const avg = view.avgLength[fieldId]!;
      for (const [short, tf] of freqs) {
        if (!this.inView(short, view)) continue;
        const length = this._fieldLength.get(short)![fieldId]!;
        // No document of the view has this field's words (a private document, no public ones): take it as of average length.
        const lengthNorm = avg > 0 ? (B * length) / avg : B;
        const raw = idf * (D + (tf * (K + 1)) / (tf + K * (1 - B + lengthNorm)));
        scores.set(short, (scores.get(short) ?? 0) + weight * boost * raw);
      }
    }
  }
}
