import { isDeepStrictEqual } from 'node:util';
import { splitName } from '@unjucks/core';
import type { ParsedQuery } from './query.js';
import type { SearchDoc } from './documents.js';
import { allowedEdits, withAliases } from './aliases.js';
import { IdSlots } from './id-slots.js';
import { ReadableBm25Index, type ReaderView } from './readable-bm25.js';

/** Field boosts: name ≫ generator/template names ≫ keywords ≫ descriptions ≫ variables ≫ README. */
export const BOOSTS = { name: 12, templates: 6, keywords: 4, description: 2, templateDocs: 1.5, variables: 1, readme: 0.3 };

/** How the final score mixes text relevance, popularity (log-scaled 30-day downloads) and quality. */
export const WEIGHTS = { relevance: 0.7, popularity: 0.2, quality: 0.1 };

const STOPWORDS = new Set(['a', 'an', 'and', 'the', 'with', 'for', 'of', 'to', 'in', 'on', 'by', 'or', 'from']);

/** Splits on anything not a letter or digit, and on camelCase: "@acme/reactForm_gen" → acme react form gen. */
export const splitWords = (text: string): string[] =>
  text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);

export function fieldText(doc: SearchDoc, field: string): string {
  switch (field) {
    case 'name':
      return doc.name;
    case 'templates':
      return doc.generators.flatMap((g) => [g.name, ...g.templates.map((t) => t.name)]).join(' ');
    case 'templateDocs':
      return doc.generators.flatMap((g) => [g.description, ...g.templates.map((t) => t.description)]).join(' ');
    case 'variables':
      return doc.generators.flatMap((g) => g.templates.flatMap((t) => t.variables.flatMap((v) => [v.name, v.description]))).join(' ');
    case 'keywords':
      return doc.keywords.join(' ');
    case 'description':
      return doc.description;
    case 'readme':
      return doc.readme;
    default:
      return '';
  }
}

/**
 * Whether two documents index to the same words in the same fields: alike in every property
 * fieldText reads (name, description, README, keywords, generators; generators compared whole,
 * which is stricter than the names and descriptions it reads). Compared in place: joining both
 * documents' fields to compare the texts cost a quarter of what indexing again did.
 */
const sameWords = (a: SearchDoc, b: SearchDoc) =>
  a.name === b.name &&
  a.description === b.description &&
  a.readme === b.readme &&
  isDeepStrictEqual(a.keywords, b.keywords) &&
  isDeepStrictEqual(a.generators, b.generators);

export const processTerm = (term: string) => {
  const t = term.toLowerCase();
  return STOPWORDS.has(t) ? null : t;
};

const FIELDS = Object.keys(BOOSTS);

/**
 * The distinct indexed terms of one document, as MiniSearch sees them. Loops, not flatMap: it runs
 * twice per document on every change to a package, on every replica, and the arrays flatMap
 * makes per word doubled its cost (~160 us for a package with a README).
 */
function termsOf(doc: SearchDoc): Set<string> {
  const terms = new Set<string>();
  for (const field of FIELDS)
    for (const word of splitWords(fieldText(doc, field))) {
      const term = processTerm(word);
      if (term !== null) terms.add(term);
    }
  return terms;
}

/** How many scored matches the per-word cache of SearchIndex holds (about 12 bytes each). */
const TERM_CACHE_POSTINGS = 2_000_000;

/** The most results one page of search holds, whatever size the caller asks for. */
export const SEARCH_MAX_SIZE = 250;

const newMini = () =>
  new ReadableBm25Index(
    {
      fields: Object.keys(BOOSTS),
      // The id stays a number: hits are looked up in a Map keyed by package id.
      extractField: (doc, field) => (field === 'id' ? doc.id : fieldText(doc, field)),
      tokenize: splitWords,
      processTerm,
    },
    BOOSTS,
  );

export interface SearchHit {
  doc: SearchDoc;
  downloads: number;
  exact: boolean;
  relevance: number;
  popularity: number;
  quality: number;
  final: number;
  /** The raw text score before normalization. */
  searchScore: number;
}

/**
 * The first k of n items in the order `before` gives (negative: a goes first), sorted. A page is
 * a few dozen of thousands of matches: a bounded heap keeps the k best, O(n log k) instead of
 * sorting every match.
 */
export function topK(
  n: number,
  k: number,
  before: (a: number, b: number) => number,
  /** Optional: whether item i sorts after (or with) `worst`, as before says, told more cheaply. */
  behind: (i: number, worst: number) => boolean = (i, worst) => before(i, worst) >= 0,
): number[] {
  if (k <= 0) return [];
  if (k * 4 >= n)
    return Array.from({ length: n }, (_, i) => i)
      .sort(before)
      .slice(0, k);
  // A heap whose root is the worst of the kept items.
  const heap = new Int32Array(k);
  let size = 0;
  const worse = (a: number, b: number) => before(heap[a]!, heap[b]!) > 0;
  const swap = (a: number, b: number) => {
    const t = heap[a]!;
    heap[a] = heap[b]!;
    heap[b] = t;
  };
  for (let i = 0; i < n; i++) {
    if (size < k) {
      heap[size] = i;
      for (let c = size++; c > 0; ) {
        const p = (c - 1) >> 1;
        if (!worse(c, p)) break;
        swap(c, p);
        c = p;
      }
      continue;
    }
    if (behind(i, heap[0]!)) continue;
    heap[0] = i;
    for (let p = 0; ; ) {
      const l = 2 * p + 1;
      const r = l + 1;
      let w = p;
      if (l < k && worse(l, w)) w = l;
      if (r < k && worse(r, w)) w = r;
      if (w === p) break;
      swap(p, w);
      p = w;
    }
  }
  return Array.from(heap.subarray(0, size)).sort(before);
}

/**
 * The in-memory index of one replica. It is derived from Postgres (see sync.ts), never the source
 * of truth: rebuilt at start and on reconnect, updated per package on notification.
 */
export class SearchIndex {
  /** Bumped by every change; a cached result from an older generation is never served. */
  private generation = 0;
  /**
   * Each query word's scored matches for one reader's view (see readable-bm25.ts), keyed by view
   * and word, for the generation they were computed in. Queries are many and distinct, their words
   * few and shared: scoring a word once per index change instead of once per query is most of a
   * search's work. Readers who see the same private packages (none, most of them) share entries.
   */
  private terms = new Map<string, { ids: Int32Array; scores: Float64Array; maxId: number }>();
  private readonly slots = new IdSlots();
  private termPostings = 0;
  private readonly cache = new Map<string, { generation: number; result: { total: number; hits: SearchHit[] } }>();

  constructor(private readonly cacheEntries = 1000) {}

  /**
   * How many public documents hold each term. Private ones count only for readers who may read
   * them (readable-bm25.ts): whether a word is "held" decides how it is matched (as typed, or also
   * as a prefix and with typos), and that shows in results, so a word only a private package holds
   * would otherwise be detectable by outsiders (test/security/search-oracle.e2e.test.ts).
   */
  private documentFrequency = new Map<string, number>();
  private mini = newMini();
  private docs = new Map<number, SearchDoc>();
  private downloads = new Map<number, number>();
  private scale: { generation: number; publicMax: number; byView: Map<number, number> } | null = null;
  private popularity: { generation: number; byScale: Map<number, PopularityTerms> } | null = null;

  get size() {
    return this.docs.size;
  }

  rebuild(docs: SearchDoc[], downloads: Map<number, number>) {
    this.generation++;
    this.forgetTerms();
    const documentFrequency = new Map<string, number>();
    const shown = docs.filter((d) => !d.private);
    for (const doc of shown) for (const t of termsOf(doc)) documentFrequency.set(t, (documentFrequency.get(t) ?? 0) + 1);
    const mini = newMini();
    mini.addAll(docs);
    this.documentFrequency = documentFrequency;
    this.mini = mini;
    this.docs = new Map(docs.map((d) => [d.id, d]));
    this.setDownloads(downloads);
  }

  private count(doc: SearchDoc, delta: 1 | -1) {
    if (doc.private) return;
    for (const t of termsOf(doc)) {
      const n = (this.documentFrequency.get(t) ?? 0) + delta;
      if (n > 0) this.documentFrequency.set(t, n);
      else this.documentFrequency.delete(t);
    }
  }

  upsert(doc: SearchDoc) {
    const old = this.docs.get(doc.id);
    // Most new versions of a template package keep its words (a release changes templates' bodies,
    // which are not indexed, more often than their names or the README); then only what a result
    // shows changed (version, date, maintainers, flags). Indexing the document again was 2.8 ms of
    // every replica's event loop per publish of the 30-template bench package, and it dropped every
    // word's scored matches, which the next searches then scored again.
    if (old && old.private === doc.private && sameWords(old, doc)) {
      // A new generation: cached results hold the old document, and the popularity scale reads flags.
      this.generation++;
      this.docs.set(doc.id, doc);
      this.mini.replace(doc);
      return;
    }
    this.generation++;
    this.forgetTerms();
    this.remove(doc.id);
    this.mini.add(doc);
    this.docs.set(doc.id, doc);
    this.count(doc, 1);
  }

  remove(id: number) {
    this.generation++;
    this.forgetTerms();
    const old = this.docs.get(id);
    if (!old) return;
    this.mini.discard(id);
    this.docs.delete(id);
    this.count(old, -1);
  }

  /** How many documents of the reader's view hold the word: the public ones counted here, and readable private ones. */
  private holders(term: string, view: ReaderView): number {
    return (this.documentFrequency.get(term) ?? 0) + this.mini.privateHolders(term, view);
  }

  /**
   * Drops query terms found in more than half of the packages the reader may read when rarer terms
   * remain: their BM25 weight is near zero, yet scoring them means scoring nearly every package.
   */
  private significantTerms(text: string, view: ReaderView): string[] {
    const terms = withAliases(splitWords(text).flatMap((w) => processTerm(w) ?? []));
    if (terms.length < 2) return terms;
    const common = (t: string) => this.holders(t, view) > view.count / 2;
    const kept = terms.filter((t) => !common(t));
    return kept.length ? kept : terms;
  }

  /** Any change to the documents moves BM25's statistics: every word is scored again. */
  private forgetTerms() {
    this.terms.clear();
    this.termPostings = 0;
  }

  /**
   * One word's matches in the reader's view, scored as MiniSearch scores a query of that word
   * alone. A word some package of the view holds is taken as meant; only a partial word or a typo
   * expands, which keeps expansion (the costly part) for the queries that need it. Fuzziness scales
   * with term length: none for short terms, where one edit is a different word.
   */
  private postings(term: string, view: ReaderView): { ids: Int32Array; scores: Float64Array; maxId: number } {
    const key = `${view.id} ${term}`;
    const hit = this.terms.get(key);
    if (hit) return hit;
    const held = this.holders(term, view) > 0;
    const results = this.mini.scoreTerm(term, view, { prefix: term.length >= 2 && !held, fuzzy: held ? 0 : allowedEdits(term) });
    const ids = Int32Array.from(results.ids);
    const p = { ids, scores: Float64Array.from(results.scores), maxId: ids.reduce((m, id) => (id > m ? id : m), 0) };
    // Bounded by matches held, not words: a word found in every package costs as much as thousands of rare ones.
    if (this.termPostings + p.ids.length > TERM_CACHE_POSTINGS) this.forgetTerms();
    this.terms.set(key, p);
    this.termPostings += p.ids.length;
    return p;
  }

  /**
   * What MiniSearch answers for the words combined with OR, from each word's own matches: scores
   * add up in word order and the sum is multiplied by how many of the words matched.
   */
  private match(terms: string[], view: ReaderView, filter: (doc: SearchDoc) => boolean, docs: SearchDoc[], scores: number[]) {
    const lists = terms.map((t) => this.postings(t, view));
    let most = 0;
    let maxId = 0;
    for (const p of lists) {
      most += p.ids.length;
      if (p.maxId > maxId) maxId = p.maxId;
    }
    // Reused slots by package id and typed arrays sized up front instead of a Map per search.
    const { stamp, slot: slotOf, gen } = this.slots.fresh(maxId);
    const ids = new Int32Array(most);
    const raw = new Float64Array(most);
    const matched = new Uint32Array(most);
    let n = 0;
    for (const p of lists) {
      for (let j = 0; j < p.ids.length; j++) {
        const id = p.ids[j]!;
        if (stamp[id] !== gen) {
          stamp[id] = gen;
          slotOf[id] = n;
          ids[n] = id;
          raw[n] = p.scores[j]!;
          matched[n++] = 1;
        } else {
          const slot = slotOf[id]!;
          raw[slot]! += p.scores[j]!;
          matched[slot]!++;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const doc = this.docs.get(ids[i]!);
      if (doc && filter(doc)) docs.push(doc), scores.push(raw[i]! * matched[i]!);
    }
  }

  setDownloads(downloads: Map<number, number>) {
    this.generation++;
    this.downloads = downloads;
  }

  /**
   * log(1 + the most downloads of a package the reader may read): popularity is relative to it,
   * so a private package's count must not set it for those who may not read it (a private package
   * more popular than every public one scores 1). Worked out once per generation and reader's view.
   */
  private popularityScale(view: ReaderView): number {
    if (this.scale?.generation !== this.generation) {
      let max = 0;
      for (const [id, n] of this.downloads) if (n > max && this.docs.get(id)?.private === false) max = n;
      this.scale = { generation: this.generation, publicMax: max, byView: new Map() };
    }
    const { publicMax, byView } = this.scale;
    let value = byView.get(view.id);
    if (value === undefined) {
      let max = publicMax;
      for (const id of view.packageIds) max = Math.max(max, this.downloads.get(id) ?? 0);
      value = Math.log1p(Math.max(1, max));
      if (byView.size >= 64) byView.clear();
      byView.set(view.id, value);
    }
    return value;
  }

  /**
   * Each package's popularity term of the final score for one popularity scale, worked out on first
   * use and kept for the generation: a Map lookup and a logarithm per match per search were most of
   * a warm search's time at 10k packages. The same expression, so the same doubles and ties.
   */
  private popularityTerms(popScale: number): PopularityTerms {
    if (this.popularity?.generation !== this.generation) this.popularity = { generation: this.generation, byScale: new Map() };
    const byScale = this.popularity.byScale;
    let terms = byScale.get(popScale);
    if (!terms) {
      // Readers who see private packages may have scales of their own: a few are kept.
      if (byScale.size >= 4) byScale.clear();
      byScale.set(popScale, (terms = new PopularityTerms(this.downloads, popScale)));
    }
    return terms;
  }

  /**
   * Results are a pure function of the query, the page and the index, so repeated queries (as-you-type,
   * CI scripts) are answered from a small LRU. Viewer-dependent searches (private packages) skip it.
   */
  search(q: ParsedQuery, page: { size: number; from: number; canSeePrivate?: (doc: SearchDoc) => boolean }): { total: number; hits: SearchHit[] } {
    const opts = { ...page, size: Math.min(page.size, SEARCH_MAX_SIZE) };
    if (opts.canSeePrivate || this.cacheEntries === 0) return this.run(q, opts);
    const key = JSON.stringify([q, opts.size, opts.from]);
    const hit = this.cache.get(key);
    if (hit && hit.generation === this.generation) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.result;
    }
    const result = this.run(q, opts);
    this.cache.delete(key);
    this.cache.set(key, { generation: this.generation, result });
    if (this.cache.size > this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    return result;
  }

  private run(q: ParsedQuery, opts: { size: number; from: number; canSeePrivate?: (doc: SearchDoc) => boolean }): { total: number; hits: SearchHit[] } {
    const text = q.text.trim();
    const filter = this.filterFor(q, opts.canSeePrivate);
    const view = this.mini.viewFor(opts.canSeePrivate);
    // Flat arrays, no objects per match: only the requested page becomes SearchHits.
    const docs: SearchDoc[] = [];
    const scores: number[] = [];
    if (text) {
      this.match(this.significantTerms(text, view), view, filter, docs, scores);
    } else for (const doc of this.docs.values()) if (filter(doc)) docs.push(doc), scores.push(0);

    const lowered = text.toLowerCase();
    let maxScore = 0;
    for (const sc of scores) if (sc > maxScore) maxScore = sc;
    const popScale = this.popularityScale(view);
    const popularity = this.popularityTerms(popScale);
    const finals = new Float64Array(docs.length);
    const exact = new Uint8Array(docs.length);
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      const relevance = maxScore > 0 ? scores[i]! / maxScore : 0;
      finals[i] = WEIGHTS.relevance * relevance + popularity.of(doc.id) + WEIGHTS.quality * (doc.quality / 100);
      // endsWith first: splitting every match's name showed up in profiles.
      if (lowered && doc.name.endsWith(lowered) && (doc.name === lowered || splitName(doc.name).basename === lowered)) exact[i] = 1;
    }
    const before = (a: number, b: number) => exact[b]! - exact[a]! || finals[b]! - finals[a]! || docs[a]!.name.localeCompare(docs[b]!.name);
    const hits = topK(docs.length, opts.from + opts.size, before)
      .slice(opts.from)
      .map((i): SearchHit => {
        const doc = docs[i]!;
        const downloads = this.downloads.get(doc.id) ?? 0;
        return {
          doc,
          downloads,
          exact: exact[i] === 1,
          relevance: maxScore > 0 ? scores[i]! / maxScore : 0,
          popularity: Math.min(1, Math.log1p(downloads) / popScale),
          quality: doc.quality / 100,
          final: finals[i]!,
          searchScore: scores[i]!,
        };
      });
    return { total: docs.length, hits };
  }

  /** A predicate for the query's qualifiers that checks only the qualifiers the query uses. */
  private filterFor(q: ParsedQuery, canSeePrivate?: (doc: SearchDoc) => boolean): (doc: SearchDoc) => boolean {
    const checks: ((doc: SearchDoc) => boolean)[] = [(doc) => !doc.private || !!canSeePrivate?.(doc)];
    if (q.onlyPrivate) checks.push((doc) => doc.private);
    if (q.deprecated === 'exclude') checks.push((doc) => !doc.deprecated);
    if (q.deprecated === 'only') checks.push((doc) => doc.deprecated);
    if (q.scope !== null) checks.push((doc) => doc.scope === q.scope);
    if (q.maintainer !== null) checks.push((doc) => doc.maintainers.includes(q.maintainer!));
    for (const k of q.keywords) checks.push((doc) => doc.keywords.some((kw) => kw.toLowerCase() === k));
    for (const g of q.generators)
      checks.push((doc) =>
        doc.generators.some((gen) => gen.name.toLowerCase() === g || gen.templates.some((t) => `${gen.name}/${t.name}`.toLowerCase() === g)),
      );
    for (const c of q.capabilities) checks.push((doc) => (doc.capabilities as string[]).includes(c));
    for (const c of q.withoutCapabilities) checks.push((doc) => !(doc.capabilities as string[]).includes(c));
    // Most searches have no qualifier: the visibility check alone, without a closure per match around it.
    if (checks.length === 1) return checks[0]!;
    return (doc) => checks.every((check) => check(doc));
  }

  /** As-you-type completion: package names, then generator names, by prefix; most downloaded first. */
  suggest(prefix: string, canSeePrivate?: (doc: SearchDoc) => boolean): { type: 'package' | 'generator'; value: string; package: string }[] {
    const p = prefix.trim().toLowerCase();
    if (!p) return [];
    const out: { type: 'package' | 'generator'; value: string; package: string; rank: number }[] = [];
    for (const doc of this.docs.values()) {
      if (doc.deprecated || (doc.private && !canSeePrivate?.(doc))) continue;
      const dl = this.downloads.get(doc.id) ?? 0;
      const base = splitName(doc.name).basename;
      if (doc.name.startsWith(p) || base.startsWith(p)) out.push({ type: 'package', value: doc.name, package: doc.name, rank: 2 + dl });
      else if (splitWords(doc.name).some((w) => w.toLowerCase().startsWith(p))) out.push({ type: 'package', value: doc.name, package: doc.name, rank: 1 + dl });
      for (const g of doc.generators) if (g.name.toLowerCase().startsWith(p)) out.push({ type: 'generator', value: g.name, package: doc.name, rank: dl });
    }
    out.sort((a, b) => b.rank - a.rank || a.value.localeCompare(b.value));
    return out.slice(0, 10).map(({ type, value, package: pkg }) => ({ type, value, package: pkg }));
  }
}

/** One popularity scale's terms by package id, filled as packages are first matched (NaN: not yet). */
class PopularityTerms {
  private values = new Float64Array(0);

  constructor(
    private readonly downloads: Map<number, number>,
    private readonly popScale: number,
  ) {}

  of(id: number): number {
    if (id >= this.values.length) {
      const grown = new Float64Array(Math.max(id + 1, this.values.length * 2)).fill(Number.NaN);
      grown.set(this.values);
      this.values = grown;
    }
    let v = this.values[id]!;
    if (Number.isNaN(v)) v = this.values[id] = WEIGHTS.popularity * Math.min(1, Math.log1p(this.downloads.get(id) ?? 0) / this.popScale);
    return v;
  }
}
