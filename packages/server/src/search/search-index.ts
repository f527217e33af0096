import MiniSearch from 'minisearch';
import type { ParsedQuery } from './query.js';
import type { SearchDoc } from './documents.js';

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

function fieldText(doc: SearchDoc, field: string): string {
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

const newMini = () =>
  new MiniSearch<SearchDoc>({
    fields: Object.keys(BOOSTS),
    // The id stays a number: hits are looked up in a Map keyed by package id.
    extractField: (doc, field) => (field === 'id' ? (doc.id as unknown as string) : fieldText(doc, field)),
    tokenize: splitWords,
    processTerm: (term) => {
      const t = term.toLowerCase();
      return STOPWORDS.has(t) ? null : t;
    },
    searchOptions: {
      boost: BOOSTS,
      prefix: true,
      // Fuzziness scales with term length: none for short terms, where one edit is a different word.
      fuzzy: (term) => (term.length < 4 ? false : term.length < 7 ? 1 : 2),
    },
  });

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
 * The in-memory index of one replica. It is derived from Postgres (see sync.ts), never the source
 * of truth: rebuilt at start and on reconnect, updated per package on notification.
 */
export class SearchIndex {
  private mini = newMini();
  private docs = new Map<number, SearchDoc>();
  private downloads = new Map<number, number>();
  private maxDownloads = 0;

  get size() {
    return this.docs.size;
  }

  rebuild(docs: SearchDoc[], downloads: Map<number, number>) {
    const mini = newMini();
    mini.addAll(docs);
    this.mini = mini;
    this.docs = new Map(docs.map((d) => [d.id, d]));
    this.setDownloads(downloads);
  }

  upsert(doc: SearchDoc) {
    if (this.docs.has(doc.id)) this.mini.discard(doc.id);
    this.mini.add(doc);
    this.docs.set(doc.id, doc);
  }

  remove(id: number) {
    if (!this.docs.has(id)) return;
    this.mini.discard(id);
    this.docs.delete(id);
  }

  setDownloads(downloads: Map<number, number>) {
    this.downloads = downloads;
    this.maxDownloads = Math.max(0, ...downloads.values());
  }

  search(q: ParsedQuery, opts: { size: number; from: number; canSeePrivate?: (doc: SearchDoc) => boolean }): { total: number; hits: SearchHit[] } {
    const text = q.text.trim();
    const scored: { doc: SearchDoc; score: number }[] = text
      ? this.mini.search(text).flatMap((r) => {
          const doc = this.docs.get(r.id as number);
          return doc ? [{ doc, score: r.score }] : [];
        })
      : [...this.docs.values()].map((doc) => ({ doc, score: 0 }));
    const lowered = text.toLowerCase();
    const kept = scored.filter(({ doc }) => this.matches(doc, q, opts.canSeePrivate));
    const maxScore = Math.max(0, ...kept.map((k) => k.score));
    const popScale = Math.log1p(Math.max(1, this.maxDownloads));
    const hits = kept.map(({ doc, score }): SearchHit => {
      const downloads = this.downloads.get(doc.id) ?? 0;
      const relevance = maxScore > 0 ? score / maxScore : 0;
      const popularity = Math.log1p(downloads) / popScale;
      const quality = doc.quality / 100;
      const exact = lowered !== '' && (doc.name === lowered || doc.name.slice(doc.name.indexOf('/') + 1) === lowered);
      const final = WEIGHTS.relevance * relevance + WEIGHTS.popularity * popularity + WEIGHTS.quality * quality;
      return { doc, downloads, exact, relevance, popularity, quality, final, searchScore: score };
    });
    hits.sort((a, b) => Number(b.exact) - Number(a.exact) || b.final - a.final || a.doc.name.localeCompare(b.doc.name));
    return { total: hits.length, hits: hits.slice(opts.from, opts.from + opts.size) };
  }

  private matches(doc: SearchDoc, q: ParsedQuery, canSeePrivate?: (doc: SearchDoc) => boolean): boolean {
    if (doc.private && !canSeePrivate?.(doc)) return false;
    if (q.onlyPrivate && !doc.private) return false;
    if (q.deprecated === 'exclude' && doc.deprecated) return false;
    if (q.deprecated === 'only' && !doc.deprecated) return false;
    if (q.scope !== null && doc.scope !== q.scope) return false;
    if (q.maintainer !== null && !doc.maintainers.includes(q.maintainer)) return false;
    const keywords = doc.keywords.map((k) => k.toLowerCase());
    if (!q.keywords.every((k) => keywords.includes(k))) return false;
    const generators = doc.generators.flatMap((g) => [g.name.toLowerCase(), ...g.templates.map((t) => `${g.name}/${t.name}`.toLowerCase())]);
    if (!q.generators.every((g) => generators.includes(g))) return false;
    if (!q.capabilities.every((c) => (doc.capabilities as string[]).includes(c))) return false;
    if (q.withoutCapabilities.some((c) => (doc.capabilities as string[]).includes(c))) return false;
    return true;
  }

  /** As-you-type completion: package names, then generator names, by prefix; most downloaded first. */
  suggest(prefix: string, canSeePrivate?: (doc: SearchDoc) => boolean): { type: 'package' | 'generator'; value: string; package: string }[] {
    const p = prefix.trim().toLowerCase();
    if (!p) return [];
    const out: { type: 'package' | 'generator'; value: string; package: string; rank: number }[] = [];
    for (const doc of this.docs.values()) {
      if (doc.deprecated || (doc.private && !canSeePrivate?.(doc))) continue;
      const dl = this.downloads.get(doc.id) ?? 0;
      const base = doc.name.slice(doc.name.indexOf('/') + 1);
      if (doc.name.startsWith(p) || base.startsWith(p)) out.push({ type: 'package', value: doc.name, package: doc.name, rank: 2 + dl });
      else if (splitWords(doc.name).some((w) => w.toLowerCase().startsWith(p))) out.push({ type: 'package', value: doc.name, package: doc.name, rank: 1 + dl });
      for (const g of doc.generators)
        if (g.name.toLowerCase().startsWith(p)) out.push({ type: 'generator', value: g.name, package: doc.name, rank: dl });
    }
    out.sort((a, b) => b.rank - a.rank || a.value.localeCompare(b.value));
    return out.slice(0, 10).map(({ type, value, package: pkg }) => ({ type, value, package: pkg }));
  }
}
