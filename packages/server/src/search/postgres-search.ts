import { sql, type SQL } from 'drizzle-orm';
import { splitName } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { rawRows } from '../db/raw.js';
import type { SearchDoc } from './documents.js';
import type { ParsedQuery } from './query.js';
import { allowedEdits, editDistance, withAliases } from './aliases.js';
import { BOOSTS, SEARCH_MAX_SIZE, WEIGHTS, splitWords, processTerm, topK, type SearchHit } from './search-index.js';
import { IdSlots } from './id-slots.js';
import { DEPRECATED, OperandPostings, PRIVATE, type PostingRow, type Postings } from './operand-postings.js';

type SearchOpts = { size: number; from: number; canSeePrivate?: (doc: { id: number; name: string }) => boolean };

/** ts_rank weights {D, C, B, A}, from BOOSTS relative to the name's. */
const RANK_WEIGHTS = `{${[BOOSTS.variables, BOOSTS.description, (BOOSTS.templates + BOOSTS.keywords) / 2, BOOSTS.name].map((b) => (b / BOOSTS.name).toFixed(3)).join(',')}}`;

/**
 * How many result documents PostgresSearch keeps between changes, each reduced to what a page
 * shows (pageDoc): 0.96 kB of heap each in bench/search.mjs against 1.5 kB for the document with
 * its template variables. That bench's 1,250 queries show 8,178 distinct documents on their first
 * pages; kept 5,000 at a time, least recently used out first, over half the searches missed one
 * and waited for a round trip (server search time p50 0.7-1.1 ms, 0.1 ms with none), and those
 * were the engine's tail. 10,000 reduced documents hold 9.1 MB, 1.6 MB more than 5,000 whole
 * ones did, and the bound is the same at any number of packages.
 */
const KEPT_DOCUMENTS = 10_000;

/**
 * Changed packages whose lists are settled one by one (PostgresSearch.changed), each a scan of the
 * kept lists; past it, in one settle, every kept list is dropped.
 */
const SETTLE_AT_MOST = 64;
/** How long searches wait for a settle's query before every kept list is dropped instead. */
const SETTLE_WAIT_MS = 2_000;

/**
 * A result's document without its README: no page of results shows it, and it is most of a
 * document (1.5 of 2.5 kB in bench/search.mjs), so pages read and keep less.
 */
const PAGE_DOC = sql.raw(`(d.doc || '{"readme":""}'::jsonb)`);

/**
 * A hit's document as this engine answers it: every field a page of results shows (routes/search.ts
 * through searchObject, the web's result list and facets), and no README, template descriptions
 * or variables, which none shows. Both the postings and the SQL ranking answer these, so a page
 * is the same whichever ranked it.
 */
export function pageDoc(d: SearchDoc): SearchDoc {
  return {
    id: d.id,
    name: d.name,
    scope: d.scope,
    version: d.version,
    description: d.description,
    keywords: d.keywords,
    generators: d.generators.map((g) => ({
      name: g.name,
      description: g.description,
      templates: g.templates.map((t) => ({ name: t.name, description: '', variables: [] })),
    })),
    readme: '',
    maintainers: d.maintainers,
    publisher: d.publisher,
    capabilities: d.capabilities,
    quality: d.quality,
    deprecated: d.deprecated,
    private: d.private,
    date: d.date,
  };
}

/**
 * A vocabulary word some public document holds. Private packages' words are in search_terms too,
 * but whether a word is "known" decides how it is matched, which shows in anyone's results: a word
 * only private packages hold must look unknown (test/security/search-oracle.e2e.test.ts).
 */
const PUBLIC_TERM = sql`exists (select 1 from search_documents p where not p.private and p.tsv @@ to_tsquery('simple', quote_literal(search_terms.term)))`;

const plainText = (q: ParsedQuery) =>
  !q.onlyPrivate &&
  q.scope === null &&
  q.maintainer === null &&
  !q.keywords.length &&
  !q.generators.length &&
  !q.capabilities.length &&
  !q.withoutCapabilities.length;

/**
 * Search answered by Postgres from the stored documents (search/store.ts), for registries too
 * large to hold an index per replica. Same qualifiers, aliases, typo tolerance and final score
 * (WEIGHTS) as the in-memory index; text relevance is ts_rank over the weighted tsvector.
 */
export class PostgresSearch {
  private maxDownloads = 0;
  /** Per query word: what it expands to in the tsquery. Words change rarely; cleared on any change. */
  private readonly expansions = new Map<string, string[]>();
  private readonly frequencies = new Map<string, { n: number; at: number }>();
  /** Public documents per word expansion of several operands, from their postings; cleared on any change. */
  private readonly unions = new Map<string, number>();
  private docCount = { n: 0, at: 0, known: false };
  private counting: Promise<number> | null = null;
  /** Bumped by every change, so that a count read across one is not kept. */
  private changes = 0;
  /** The private documents' ids and names, read once per change instead of per search. */
  private privateDocs: Promise<{ id: number; name: string }[]> | null = null;

  private readonly postings: OperandPostings;
  /** Documents of recent pages, until the next change: a warm search reads nothing from Postgres. */
  private docs = new Map<number, SearchDoc>();

  constructor(private readonly db: Db) {
    // The tsquery is parsed once in a sub-select: to_tsquery is only stable, so written inside
    // ts_rank it is parsed again for every matching row (a third of a cold word's time at 100k packages).
    // In name order, so that two matches of one list that tie on score compare by position, not by
    // name (see fromPostings: on the scale bench's ties that was most of the top-k's time).
    this.postings = new OperandPostings((op, limit) =>
      this.rows<PostingRow>(sql`
        select d.package_id as id, ts_rank(${RANK_WEIGHTS}::float4[], d.tsv, q.q) as rank,
          d.downloads, d.quality, d.private, d.deprecated, d.name
        from (select to_tsquery('simple', ${op}) as q) q, search_documents d where d.tsv @@ q.q
        order by d.name collate "C" limit ${limit}::int`),
    );
  }

  get size() {
    return -1;
  }

  /** Refreshes the popularity scale; called at start and when download counts move. */
  async loadDownloads(): Promise<void> {
    const [row] = await rawRows<{ n: number | null }>(this.db, sql`select max(downloads)::int as n from search_documents where not private`);
    this.maxDownloads = Number(row?.n ?? 0);
    // The kept postings carry download totals, which this refresh follows.
    this.postings.clear();
  }

  /**
   * Packages changed (their ids), or anything may have (none given: a rebuild, a reconnect). A word
   * may now be known, so expansions are worked out again. Of the kept postings only the lists a
   * change can touch go (settle): those that hold a changed package, and those its new document
   * matches. Clearing them all made every search after any publish read its words' postings again:
   * at 100,000 packages the 300 searches after a change took 2.5 s against 0.05 s warm, p99 65 ms;
   * dropping only these, 0.39 s, p99 28 ms (bench/search-after-change.mjs). Searches wait until the
   * lists are settled; the caller need not.
   */
  changed(packageIds?: readonly number[]): void {
    this.expansions.clear();
    this.unions.clear();
    this.privateDocs = null;
    this.changes++;
    this.docCount = { n: 0, at: 0, known: false };
    this.counting = null;
    if (packageIds && this.changedIds.size + packageIds.length <= SETTLE_AT_MOST) {
      for (const id of packageIds) {
        this.docs.delete(id);
        this.changedIds.add(id);
      }
      // The lists that hold a changed package go at once: no search takes them from here on.
      this.postings.forgetHolders(new Set(packageIds));
    } else {
      // Anything may have changed, or too many packages at once (an org's, renamed) to scan the
      // lists for each: none is kept.
      this.postings.clear();
      this.docs = new Map();
      this.changedIds.clear();
      return;
    }
    if (this.settlingNext) return;
    // The lists their new documents match are asked of Postgres once for the notices that arrive
    // together (an org's packages renamed, its visibility set), not once each.
    this.settlingNext = true;
    const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.settle()).finally(() => this.settling.delete(done));
    this.settling.add(done);
  }

  /** Changed packages whose new documents' lists are not settled yet (changed). */
  private readonly changedIds = new Set<number>();
  private settlingNext = false;
  /** Settles under way: a search waits for them. */
  private readonly settling = new Set<Promise<void>>();

  private async settle(): Promise<void> {
    this.settlingNext = false;
    const ids = [...this.changedIds];
    this.changedIds.clear();
    try {
      const kept = ids.length ? this.postings.withLists() : [];
      if (kept.length === 0) return;
      const matched = this.rows<{ op: string }>(sql`
        select distinct o.op from jsonb_array_elements_text(${JSON.stringify(kept)}::jsonb) o(op), search_documents d
        where d.package_id = any(${`{${ids.join(',')}}`}::int[]) and d.tsv @@ to_tsquery('simple', o.op)`);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), SETTLE_WAIT_MS).unref()));
      try {
        const rows = await Promise.race([matched, late]);
        // Not known in time which lists the change reached (searches wait meanwhile): none is kept.
        if (rows === 'late') this.postings.clear();
        else this.postings.drop(rows.map((r) => r.op));
      } catch {
        // Not known which lists the change reached: none is kept.
        this.postings.clear();
      } finally {
        clearTimeout(timer);
      }
    } finally {
      // Counts a search made meanwhile from a list dropped just now are not kept.
      this.unions.clear();
      this.changes++;
    }
  }

  private async rows<T>(query: SQL): Promise<T[]> {
    const r = await this.db.execute(query);
    return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
  }

  /** A query word as a tsquery: itself, its aliases, and when unknown its prefix and near spellings. */
  private async expand(term: string): Promise<string[]> {
    const cached = this.expansions.get(term);
    if (cached) return cached;
    const out = new Set<string>();
    for (const t of withAliases([term])) {
      const known = await this.rows<{ term: string }>(sql`select term from search_terms where term = ${t} and ${PUBLIC_TERM}`);
      out.add(`'${t}'`);
      if (known.length || t !== term) continue;
      if (t.length >= 2) out.add(`'${t}':*`);
      if (allowedEdits(t) > 0) {
        const near = await this.rows<{ term: string }>(
          sql`select term from search_terms where term % ${t} and ${PUBLIC_TERM} order by similarity(term, ${t}) desc, term limit 8`,
        );
        for (const n of near) if (editDistance(n.term, t) <= allowedEdits(t)) out.add(`'${n.term}'`);
      }
    }
    const list = [...out];
    if (this.expansions.size > 5000) this.expansions.clear();
    this.expansions.set(term, list);
    return list;
  }

  private filters(q: ParsedQuery, allowedPrivate: number[] | null): SQL[] {
    const f: SQL[] = [allowedPrivate?.length ? sql`(not d.private or d.package_id = any(${`{${allowedPrivate.join(',')}}`}::int[]))` : sql`not d.private`];
    if (q.onlyPrivate) f.push(sql`d.private`);
    if (q.deprecated === 'exclude') f.push(sql`not d.deprecated`);
    if (q.deprecated === 'only') f.push(sql`d.deprecated`);
    if (q.scope !== null) f.push(sql`d.scope = ${q.scope}`);
    // Containment (@>) rather than = any(): the same test, and one the GIN indexes on these arrays serve.
    if (q.maintainer !== null) f.push(sql`d.maintainers @> array[${q.maintainer}]::text[]`);
    for (const k of q.keywords) f.push(sql`d.keywords @> array[${k}]::text[]`);
    for (const g of q.generators) f.push(sql`d.generators @> array[${g}]::text[]`);
    for (const c of q.capabilities) f.push(sql`${c} = any(d.capabilities)`);
    for (const c of q.withoutCapabilities) f.push(sql`not (${c} = any(d.capabilities))`);
    return f;
  }

  /**
   * Private packages this viewer may see, checked by the same predicate as the memory engine.
   * The list of private documents is kept until the next change (it was a scan of the whole table
   * per search with a token). A stale list can only hide: the query still requires `d.private` to
   * be false for any package not in it, and the predicate runs per search with the viewer's rights.
   */
  private async allowedPrivate(canSee?: SearchOpts['canSeePrivate']): Promise<number[] | null> {
    if (!canSee) return null;
    return (await this.privateList()).filter((r) => canSee(r)).map((r) => r.id);
  }

  private privateList(): Promise<{ id: number; name: string }[]> {
    this.privateDocs ??= this.rows<{ id: number; name: string }>(sql`select package_id as id, name from search_documents where private`).catch((e: unknown) => {
      this.privateDocs = null;
      throw e;
    });
    return this.privateDocs;
  }

  /**
   * The most matches an operand's kept postings hold: past half of all packages a word is common
   * (see significant), so its matches are not needed to rank a query with rarer words, and a null
   * from the postings says "common" without counting.
   */
  private postingsLimit(total: number) {
    return Math.min(this.postings.maxPostings / 4, Math.floor(total / 2));
  }

  /**
   * How many documents match a word's expansion, for dropping common words: from the operands'
   * postings (read for ranking anyway; counting cost as much as reading them, a second scan of
   * the same rows per cold word), counted in SQL only when an operand is past the postings' bound
   * but not past half of all packages, then cached a minute.
   */
  private async frequency(alts: string[], total: number): Promise<number> {
    const changes = this.changes;
    const limit = this.postingsLimit(total);
    const lists = await Promise.all(alts.map((o) => this.postings.get(o, limit)));
    // Only public documents count: how common a word is decides whether it is dropped, which shows
    // in anyone's results, so private packages' words must not weigh (test/security/search-oracle).
    if (lists.every((l) => l !== null)) return this.publicUnion(alts, lists as Postings[], changes);
    // Past the bound with no private package at all, every match is public: common without counting.
    if (limit >= Math.floor(total / 2) && (await this.privateList()).length === 0) return Number.POSITIVE_INFINITY;
    const key = alts.join('|');
    const hit = this.frequencies.get(key);
    if (hit && hit.at > Date.now() - 60_000) return hit.n;
    const [row] = await this.rows<{ n: number }>(
      sql`select count(*)::int as n from search_documents where not private and tsv @@ to_tsquery('simple', ${alts.join(' | ')})`,
    );
    if (this.frequencies.size > 5000) this.frequencies.clear();
    this.frequencies.set(key, { n: Number(row?.n ?? 0), at: Date.now() });
    return Number(row?.n ?? 0);
  }

  /**
   * How many public documents hold any of a word's operands. One operand's is counted with its
   * list; a union (a word with aliases or near spellings) is counted once per change, not per
   * search: building it was a fifth of the CPU of a search at 100k packages (a Set of thousands).
   */
  private publicUnion(alts: string[], lists: Postings[], changes: number): number {
    if (lists.length === 1) return lists[0]!.publicCount;
    const key = alts.join('|');
    const kept = this.unions.get(key);
    if (kept !== undefined) return kept;
    // No await from here on: the shared slots serve one merge at a time (see fromPostings).
    const scratch = this.slots.fresh(Math.max(...lists.map((l) => l.maxId)));
    let n = 0;
    for (const l of lists)
      for (let j = 0; j < l.ids.length; j++) {
        const id = l.ids[j]!;
        if (l.flags[j]! & PRIVATE || scratch.stamp[id] === scratch.gen) continue;
        scratch.stamp[id] = scratch.gen;
        n++;
      }
    // Lists read before a change answer this search only.
    if (changes === this.changes) {
      if (this.unions.size > 5000) this.unions.clear();
      this.unions.set(key, n);
    }
    return n;
  }

  /**
   * The stored document count, for "more than half of all packages": read again after a change,
   * and otherwise each minute in the background, so no search waits for a count of the table.
   */
  private async documentCount(): Promise<number> {
    if (!this.docCount.known) return this.countDocuments();
    if (this.docCount.at < Date.now() - 60_000) void this.countDocuments().catch(() => undefined);
    return this.docCount.n;
  }

  private countDocuments(): Promise<number> {
    if (this.counting) return this.counting;
    const changes = this.changes;
    const counting = this.rows<{ n: number }>(sql`select count(*)::int as n from search_documents where not private`)
      .then(([row]) => {
        const n = Number(row?.n ?? 0);
        // A count begun before a change is that change's caller's answer, not a kept one.
        if (changes === this.changes) this.docCount = { n, at: Date.now(), known: true };
        return n;
      })
      .finally(() => {
        if (this.counting === counting) this.counting = null;
      });
    this.counting = counting;
    return counting;
  }

  /**
   * The words' expansions, less those found in more than half of all packages when rarer words
   * remain: as in the memory engine, their weight is near zero yet they would rank nearly every row.
   */
  private async significant(words: string[]): Promise<string[][]> {
    const expanded = await Promise.all(words.map((w) => this.expand(w)));
    if (expanded.length < 2) return expanded;
    const total = await this.documentCount();
    const freqs = await Promise.all(expanded.map((alts) => this.frequency(alts, total)));
    const kept = expanded.filter((_, i) => freqs[i]! <= total / 2);
    return kept.length ? kept : expanded;
  }

  async search(q: ParsedQuery, page: SearchOpts): Promise<{ total: number; hits: SearchHit[] }> {
    if (this.settling.size) await Promise.all(this.settling);
    const opts = { ...page, size: Math.min(page.size, SEARCH_MAX_SIZE) };
    const text = q.text.trim();
    const words = [...new Set(splitWords(text).flatMap((w) => processTerm(w) ?? []))];
    const allowed = await this.allowedPrivate(opts.canSeePrivate);
    const where = this.filters(q, allowed);
    const significant = words.length ? await this.significant(words) : null;
    const tsquery = significant ? significant.map((alts) => `(${alts.join(' | ')})`).join(' | ') : null;
    const lowered = text.toLowerCase();
    const popScale = Math.log1p(Math.max(1, this.maxDownloads));
    if (significant && plainText(q)) {
      const ranked = await this.fromPostings(significant, q, allowed, lowered, popScale, opts);
      if (ranked) return ranked;
    }
    const match = tsquery ? sql`d.tsv @@ q.q` : sql`true`;
    const score = tsquery ? sql`ts_rank(${RANK_WEIGHTS}::float4[], d.tsv, q.q)` : sql`0::float4`;
    // Parsed once, not per matching row (see the postings query).
    const parsedQuery = tsquery ? sql`(select to_tsquery('simple', ${tsquery}) as q) q` : sql`(select null::tsquery as q) q`;
    // Ranks on narrow columns; only the requested page's documents are read.
    const rows = await this.rows<{ doc: SearchDoc; score: number; downloads: number; total: number; max_score: number; exact: boolean; final: number }>(sql`
      with m as (
        select d.package_id, d.name, d.downloads, d.quality, ${score} as score
        from ${parsedQuery}, search_documents d
        where ${match} and ${sql.join(where, sql` and `)}
      ), s as (
        select m.*, count(*) over () as total, max(m.score) over () as max_score,
          (m.name = ${lowered} or substr(m.name, strpos(m.name, '/') + 1) = ${lowered}) as exact
        from m
      ), top as (
        select package_id, name, score, downloads, total::int, max_score, exact,
          ${WEIGHTS.relevance}::float8 * (case when max_score > 0 then score / max_score else 0 end)
            + ${WEIGHTS.popularity}::float8 * least(1.0::float8, ln(1 + downloads) / ${popScale}::float8) + ${WEIGHTS.quality}::float8 * quality / 100.0 as final
        from s
        order by exact desc, final desc, name collate "C"
        limit ${opts.size}::int offset ${opts.from}::bigint
      )
      select ${PAGE_DOC} as doc, top.score, top.downloads, top.total, top.max_score, top.exact, top.final
      from top join search_documents d on d.package_id = top.package_id
      order by top.exact desc, top.final desc, top.name collate "C"`);
    const total = rows.length ? Number(rows[0]!.total) : opts.from > 0 ? await this.count(parsedQuery, match, where) : 0;
    return {
      total,
      hits: rows.map((r) => ({
        doc: pageDoc(r.doc),
        downloads: Number(r.downloads),
        exact: r.exact,
        relevance: r.max_score > 0 ? Number(r.score) / Number(r.max_score) : 0,
        popularity: Math.min(1, Math.log1p(Number(r.downloads)) / popScale),
        quality: r.doc.quality / 100,
        final: Number(r.final),
        searchScore: Number(r.score),
      })),
    };
  }

  private readonly slots = new IdSlots();
  private readonly matches = new MatchArrays();

  /**
   * The same ranking as the SQL below (the operands' ranks summed and divided by their count,
   * then WEIGHTS, exact names first, then name), from each operand's kept postings; only the
   * page's documents are read. Null when an operand is too common to keep.
   */
  private async fromPostings(
    significant: string[][],
    q: ParsedQuery,
    allowed: number[] | null,
    lowered: string,
    popScale: number,
    opts: { size: number; from: number },
  ): Promise<{ total: number; hits: SearchHit[] } | null> {
    const operands = [...new Set(significant.flat())];
    const limit = this.postingsLimit(await this.documentCount());
    const found = await Promise.all(operands.map((o) => this.postings.get(o, limit)));
    if (found.some((l) => l === null)) return null;
    const lists = found as Postings[];
    const mayRead = new Set(allowed ?? []);
    // Slots by package id in reused arrays, stamped per search, instead of a Map per search: the
    // merge visits every posting of every operand (thousands at 100k packages). No await until
    // the merge is done, so one scratch serves every search.
    const maxId = Math.max(...lists.map((l) => l.maxId));
    const scratch = this.slots.fresh(maxId);
    const stamp = scratch.stamp;
    const slotOf = scratch.slot;
    const gen = scratch.gen;
    // Typed and sized up front: a match per posting at most, no array growth or boxing in the loop.
    let most = 0;
    for (const l of lists) most += l.ids.length;
    const m = this.matches.sized(most);
    const { fromList, fromAt, sums, scores, finals, exact, lists: listCount, several } = m;
    // The filter, decided once per search: most postings carry no flag and pass on one test.
    const onlyDeprecated = q.deprecated === 'only';
    const skipDeprecated = q.deprecated === 'exclude';
    // A package name has no space: a query of several words names no package exactly.
    const mayBeName = !lowered.includes(' ');
    // A list's new matches take consecutive slots: list li's are starts[li] to starts[li + 1], so
    // the loops below read each list's columns without looking the list up per match.
    const starts = new Int32Array(lists.length + 1);
    let n = 0;
    // The highest sum of ranks, kept as the sums grow (ranks are not negative): the best score.
    let maxSum = 0;
    // Matches found in more than one list, each once (severalN of them).
    let severalN = 0;
    /** The match for list li's posting j if its package is in no other list and shown (else -1). */
    let singleAt = (li: number, j: number) => {
      const i = slotOf[lists[li]!.ids[j]!]!;
      return i >= 0 && listCount[i] === 1 ? i : -1;
    };
    const dense = mayBeName ? null : mergeDense(lists, m, mayRead, onlyDeprecated, skipDeprecated);
    if (dense) ({ n, maxSum, severalN, singleAt } = dense);
    else
      for (let li = 0; li < lists.length; li++) {
        const list = lists[li]!;
        const ids = list.ids;
        const rank = list.rank;
        const flagsOf = list.flags;
        starts[li] = n;
        for (let j = 0; j < ids.length; j++) {
          const id = ids[j]!;
          if (stamp[id] === gen) {
            const slot = slotOf[id]!;
            if (slot >= 0) {
              const sum = (sums[slot] = sums[slot]! + rank[j]!);
              if (sum > maxSum) maxSum = sum;
              if (listCount[slot] === 1) {
                listCount[slot] = 2;
                several[severalN++] = slot;
              }
            }
            continue;
          }
          stamp[id] = gen;
          const flags = flagsOf[j]!;
          if (
            (flags !== 0 || onlyDeprecated) &&
            ((flags & PRIVATE && !mayRead.has(id)) || (skipDeprecated && flags & DEPRECATED) || (onlyDeprecated && !(flags & DEPRECATED)))
          ) {
            slotOf[id] = -1;
            continue;
          }
          const r = rank[j]!;
          if (r > maxSum) maxSum = r;
          slotOf[id] = n;
          fromList[n] = li;
          fromAt[n] = j;
          listCount[n] = 1;
          sums[n++] = r;
        }
      }
    starts[lists.length] = n;
    // ts_rank answers a float4: the same rounding keeps ties and order as the SQL has them. A
    // score is its sum over the operand count rounded so; rounding keeps order, so the best score
    // is the best sum's.
    const count = operands.length;
    const max = Math.fround(maxSum / count);
    const wRelevance = WEIGHTS.relevance;
    const wQuality = WEIGHTS.quality;
    const priors = lists.map((l) => priorOf(l, popScale));
    /** Match i's final score, as the SQL works it out, kept in finals (and its score in scores). */
    const finalOf = (i: number) => {
      const li = fromList[i]!;
      const j = fromAt[i]!;
      scores[i] = sums[i]! / count;
      exact[i] = 0;
      // Read back: the stored value is the float4, not the quotient the assignment evaluates to.
      const relevance = max > 0 ? Math.fround(scores[i]! / max) : 0;
      // The SQL's order of operations, so that the doubles (and their ties) are the same.
      return (finals[i] = wRelevance * relevance + priors[li]!.popularity[j]! + (wQuality * lists[li]!.quality[j]!) / 100);
    };
    let anyExact = false;
    if (mayBeName) {
      // Every match scored: finalOf's expression, inline with each list's columns at hand (a call
      // per match made a one-word search of 9,500 matches a third slower).
      for (let li = 0; li < lists.length; li++) {
        const list = lists[li]!;
        const popularity = priors[li]!.popularity;
        const quality = list.quality;
        const names = list.names;
        for (let i = starts[li]!, end = starts[li + 1]!; i < end; i++) {
          const j = fromAt[i]!;
          scores[i] = sums[i]! / count;
          const relevance = max > 0 ? Math.fround(scores[i]! / max) : 0;
          finals[i] = wRelevance * relevance + popularity[j]! + (wQuality * quality[j]!) / 100;
          const name = names[j]!;
          const isExact = name.endsWith(lowered) && (name === lowered || name.slice(name.indexOf('/') + 1) === lowered);
          exact[i] = isExact ? 1 : 0;
          if (isExact) anyExact = true;
        }
      }
    }
    const nameOf = (i: number) => lists[fromList[i]!]!.names[fromAt[i]!]!;
    // Names compare by code unit, as collate "C" does for the ASCII that package names are.
    const before = (a: number, b: number) => {
      const byScore = exact[b]! - exact[a]! || finals[b]! - finals[a]!;
      if (byScore) return byScore;
      // A list's postings are in name order (collate "C"): within one list the position tells.
      if (fromList[a] === fromList[b]) return fromAt[a]! - fromAt[b]!;
      const x = nameOf(a);
      const y = nameOf(b);
      return x < y ? -1 : x > y ? 1 : 0;
    };
    // What the hits need, taken from the reused arrays before the await below (another search may fill them).
    const first = opts.from + opts.size;
    const best = !mayBeName
      ? bestMatches(first, { n, lists, priors, singleAt, several, severalN, finalOf, finals, fromList, fromAt, count, max, before })
      : anyExact
        ? topK(n, first, before, behindWorst(exact, finals, fromList, fromAt, nameOf))
        : firstByFinal(n, first, finals, starts, before);
    const page = best
      .slice(opts.from)
      .map((i) => ({ list: lists[fromList[i]!]!, at: fromAt[i]!, score: scores[i]!, final: finals[i]!, isExact: exact[i] === 1 }));
    if (page.length === 0) return { total: n, hits: [] };
    const kept = this.docs;
    const docs = new Map<number, SearchDoc>();
    const missing: number[] = [];
    for (const { list, at } of page) {
      const id = list.ids[at]!;
      const doc = kept.get(id);
      if (doc) {
        docs.set(id, doc);
        // Most recently used last: eviction takes from the front.
        kept.delete(id);
        kept.set(id, doc);
      } else missing.push(id);
    }
    if (missing.length) {
      const changes = this.changes;
      const rows = await this.rows<{ id: number; doc: SearchDoc }>(
        sql`select package_id as id, ${PAGE_DOC} as doc from search_documents d where package_id = any(${`{${missing.join(',')}}`}::int[])`,
      );
      // Read across a change, a document may be the one the change replaced: it serves this page only.
      const keep = changes === this.changes;
      for (const r of rows) {
        const doc = pageDoc(r.doc);
        docs.set(Number(r.id), doc);
        if (keep) kept.set(Number(r.id), doc);
      }
      // Bounded, least recently used out first: clearing the whole map when full made every
      // page cold at once, a round trip each, in the tail of the 10k bench.
      for (const id of kept.keys()) {
        if (kept.size <= KEPT_DOCUMENTS) break;
        kept.delete(id);
      }
    }
    const hits: SearchHit[] = [];
    for (const { list, at, score, final, isExact } of page) {
      const doc = docs.get(list.ids[at]!);
      // Gone since its postings were read: the change that removed it clears them for the next search.
      if (!doc) continue;
      // Made private since (its postings were read before the change): shown only to who may read it.
      if (doc.private && !mayRead.has(doc.id)) continue;
      hits.push({
        doc,
        downloads: list.downloads[at]!,
        exact: isExact,
        relevance: max > 0 ? Math.fround(score / max) : 0,
        popularity: Math.min(1, Math.log1p(list.downloads[at]!) / popScale),
        quality: doc.quality / 100,
        final,
        searchScore: score,
      });
    }
    return { total: n, hits };
  }

  private async count(parsedQuery: SQL, match: SQL, where: SQL[]): Promise<number> {
    const [row] = await this.rows<{ n: number }>(
      sql`select count(*)::int as n from ${parsedQuery}, search_documents d where ${match} and ${sql.join(where, sql` and `)}`,
    );
    return Number(row?.n ?? 0);
  }

  /** As-you-type completion, as SearchIndex.suggest: package names, then generator names, by prefix. */
  async suggest(prefix: string, canSeePrivate?: SearchOpts['canSeePrivate']) {
    const p = prefix.trim().toLowerCase();
    if (!p) return [];
    const allowed = (await this.allowedPrivate(canSeePrivate)) ?? [];
    const like = `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.rows<{ doc: SearchDoc; downloads: number }>(sql`
      select d.doc, d.downloads
      from search_documents d
      where not d.deprecated and ${allowed.length ? sql`(not d.private or d.package_id = any(${`{${allowed.join(',')}}`}::int[]))` : sql`not d.private`}
        and (d.name like ${like} or substr(d.name, strpos(d.name, '/') + 1) like ${like}
             or (' ' || d.name_words) like ${`% ${like}`} or exists (select 1 from unnest(d.generators) g where g like ${like}))
      limit 200`);
    const out: { type: 'package' | 'generator'; value: string; package: string; rank: number }[] = [];
    for (const { doc, downloads: dl } of rows) {
      const base = splitName(doc.name).basename;
      if (doc.name.startsWith(p) || base.startsWith(p)) out.push({ type: 'package', value: doc.name, package: doc.name, rank: 2 + dl });
      else if (splitWords(doc.name).some((w) => w.toLowerCase().startsWith(p))) out.push({ type: 'package', value: doc.name, package: doc.name, rank: 1 + dl });
      for (const g of doc.generators) if (g.name.toLowerCase().startsWith(p)) out.push({ type: 'generator', value: g.name, package: doc.name, rank: dl });
    }
    out.sort((a, b) => b.rank - a.rank || a.value.localeCompare(b.value));
    return out.slice(0, 10).map(({ type, value, package: pkg }) => ({ type, value, package: pkg }));
  }
}

/**
 * The merge's per-match arrays, reused from one search to the next (grown, never shrunk, up to
 * KEPT_MATCHES): allocated per search they were 145 kB a search at 100k packages, and the young
 * generation's scavenges a fifteenth of the CPU. Like IdSlots, for work that finishes without an await.
 */
const KEPT_MATCHES = 200_000;

class MatchArrays {
  fromList = new Int32Array(0);
  fromAt = new Int32Array(0);
  sums = new Float64Array(0);
  /** Float4, as ts_rank answers: the same rounding keeps ties and order as the SQL has them. */
  scores = new Float32Array(0);
  finals = new Float64Array(0);
  exact = new Uint8Array(0);
  /** Whether each match is in one of the query's lists (1) or more (2). */
  lists = new Uint8Array(0);
  /** The matches found in more than one list. */
  several = new Int32Array(0);

  /** Arrays of at least n (contents left from an earlier search: every one is written before it is read). */
  sized(n: number): MatchArrays {
    if (this.sums.length >= n) return this;
    const size = Math.max(n, Math.min(KEPT_MATCHES, this.sums.length * 2));
    const arrays = n > KEPT_MATCHES ? new MatchArrays() : this;
    arrays.fromList = new Int32Array(size);
    arrays.fromAt = new Int32Array(size);
    arrays.sums = new Float64Array(size);
    arrays.scores = new Float32Array(size);
    arrays.finals = new Float64Array(size);
    arrays.exact = new Uint8Array(size);
    arrays.lists = new Uint8Array(size);
    arrays.several = new Int32Array(size);
    return arrays;
  }
}

/** The k highest numbers offered, as a min-heap: its root is the k-th highest once full. */
class KBest {
  private readonly heap: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.heap = new Float64Array(k);
  }

  get full() {
    return this.size === this.k;
  }

  /** The k-th highest offered (the lowest kept until full). */
  get kth() {
    return this.heap[0]!;
  }

  offer(f: number) {
    const heap = this.heap;
    const k = this.k;
    if (this.size < k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (heap[p]! <= f) break;
        heap[c] = heap[p]!;
        c = p;
      }
      heap[c] = f;
      return;
    }
    if (f <= heap[0]!) return;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= k) break;
      const r = l + 1;
      const c = r < k && heap[r]! < heap[l]! ? r : l;
      if (heap[c]! >= f) break;
      heap[p] = heap[c]!;
      p = c;
    }
    heap[p] = f;
  }
}

/**
 * The first k of n matches in `before`'s order when none is an exact name: by final score, then
 * name. The k-th best score is found first, on the scores alone (a heap of k numbers); then the
 * matches above it are taken, and of those that tie with it, each list's first ones: a list's
 * matches are in name order (its postings are read so), so no other can come before them. Only
 * those few are compared by `before`. topK compared every match with the page's worst, by name on
 * a tie: at 100,000 packages a sixth of a search's CPU, as generated packages tie by the thousand.
 */
export function firstByFinal(n: number, k: number, finals: Float64Array, starts: Int32Array, before: (a: number, b: number) => number): number[] {
  if (k <= 0 || n === 0) return [];
  if (k * 4 >= n) return topK(n, k, before);
  const best = new KBest(k);
  for (let i = 0; i < n; i++) best.offer(finals[i]!);
  const kth = best.kth;
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (finals[i]! > kth) out.push(i);
  const room = k - out.length;
  for (let li = 0; li + 1 < starts.length; li++)
    for (let i = starts[li]!, end = starts[li + 1]!, taken = 0; i < end && taken < room; i++)
      if (finals[i] === kth) {
        out.push(i);
        taken++;
      }
  return out.sort(before).slice(0, k);
}

interface Prior {
  scale: number;
  /** Each posting's popularity term. */
  popularity: Float64Array;
  /** The list's highest popularity term, and quality term as the final score adds it. */
  maxPopularity: number;
  maxQuality: number;
  /** Whether every posting has the same popularity and quality terms (a final then follows from the rank alone). */
  sameStatic: boolean;
}

const priors = new WeakMap<Postings, Prior>();

/**
 * The popularity term of each posting's final score, worked out once per list and popularity
 * scale instead of a logarithm per match per search (8 bytes a posting). Added as the SQL ranking
 * adds it, so that final scores are the same doubles and ties break the same way.
 */
function priorOf(list: Postings, popScale: number): Prior {
  const kept = priors.get(list);
  if (kept?.scale === popScale) return kept;
  const popularity = new Float64Array(list.ids.length);
  let maxPopularity = 0;
  let maxQuality = 0;
  let sameStatic = true;
  // Capped at 1: the scale is the most downloaded public package, and a private one may exceed it.
  for (let j = 0; j < popularity.length; j++) {
    popularity[j] = WEIGHTS.popularity * Math.min(1, Math.log(1 + list.downloads[j]!) / popScale);
    if (popularity[j]! > maxPopularity) maxPopularity = popularity[j]!;
    if (list.quality[j]! > maxQuality) maxQuality = list.quality[j]!;
    if (popularity[j] !== popularity[0] || list.quality[j] !== list.quality[0]) sameStatic = false;
  }
  const prior = { scale: popScale, popularity, maxPopularity, maxQuality: (WEIGHTS.quality * maxQuality) / 100, sameStatic };
  priors.set(list, prior);
  return prior;
}

/**
 * A non-negative float4's bits as an unsigned integer, which orders as the numbers do: ranks
 * compared as integers (ts_rank answers non-negative float4s).
 */
const rankBits = (list: Postings) => new Uint32Array(list.rank.buffer, list.rank.byteOffset, list.rank.length);

/**
 * Positions 0..n-1 by key (a whole number below 2^31), then by position: sorted as numbers, key and
 * position in one double, rather than with a comparator (5 ms for 7,500 postings, 36 ms for
 * 125,000, on each list's first use after a change). `compare` is the same order, for lists too
 * long to pack.
 */
function sortedPositions(n: number, key: (j: number) => number, compare: (a: number, b: number) => number): Int32Array {
  if (n > 2 ** 22) return Int32Array.from({ length: n }, (_, j) => j).sort(compare);
  const packed = new Float64Array(n);
  for (let j = 0; j < n; j++) packed[j] = key(j) * 2 ** 22 + j;
  packed.sort();
  const out = new Int32Array(n);
  for (let x = 0; x < n; x++) out[x] = packed[x]! % 2 ** 22;
  return out;
}

const rankOrders = new WeakMap<Postings, Int32Array>();

/** A list's positions by rank, highest first, then by position (name order); worked out once per list. */
function byRank(list: Postings): Int32Array {
  let kept = rankOrders.get(list);
  if (!kept) {
    const rank = list.rank;
    const bits = rankBits(list);
    // Highest rank first: the bits (less the sign, for a -0) subtracted from the largest key.
    const order = sortedPositions(
      rank.length,
      (j) => 2 ** 31 - 1 - (bits[j]! & 0x7fffffff),
      (a, b) => rank[b]! - rank[a]! || a - b,
    );
    rankOrders.set(list, (kept = order));
  }
  return kept;
}

/**
 * The first k matches in `before`'s order for a query that names no package exactly, without a
 * final score for every match. A match in one list only scores from its rank there and its own
 * popularity and quality, so its final is at most what its rank gives with the list's highest
 * popularity and quality: each list's single matches are read in rank order, and only until
 * that bound falls below the k-th best final found so far; every match in several lists is
 * scored. Scoring every match and keeping the k best was half of a two-word search's CPU at
 * 100,000 packages (7,500 matches for 20 results).
 */
export function bestMatches(
  first: number,
  m: {
    /** How many matches there are. */
    n: number;
    lists: Postings[];
    priors: Prior[];
    /** The match for list li's posting j if its package is in no other list and shown, else -1. */
    singleAt: (li: number, j: number) => number;
    /** The matches in several lists. */
    several: Int32Array;
    severalN: number;
    /** Works out (and keeps in finals) match i's final score. */
    finalOf: (i: number) => number;
    finals: Float64Array;
    fromList: Int32Array;
    fromAt: Int32Array;
    count: number;
    max: number;
    before: (a: number, b: number) => number;
  },
): number[] {
  // A page past the matches holds them all at most (and a far one must not size the heap).
  const k = Math.min(first, m.n);
  if (k <= 0) return [];
  const best = new KBest(k);
  const candidates: number[] = [];
  // A candidate ties with the k-th best or beats it (ties may still enter, by name).
  const consider = (i: number, f: number) => {
    if (best.full && f < best.kth) return;
    best.offer(f);
    candidates.push(i);
  };
  for (let x = 0; x < m.severalN; x++) consider(m.several[x]!, m.finalOf(m.several[x]!));
  const { count, max } = m;
  const wRelevance = WEIGHTS.relevance;
  for (let li = 0; li < m.lists.length; li++) {
    const list = m.lists[li]!;
    const { maxPopularity, maxQuality, sameStatic } = m.priors[li]!;
    const order = byRank(list);
    const rank = list.rank;
    // Postings of one rank are read in name order: of those with one final score, only the first
    // k can enter (the others have k before them). Generated packages tie by the hundred.
    let runRank = Number.NaN;
    let runFinal = Number.NaN;
    let runLength = 0;
    for (let x = 0; x < order.length; x++) {
      const j = order[x]!;
      const r = rank[j]!;
      // The final's expression with this rank and the list's best popularity and quality: no
      // later posting of the list can do better (rounding keeps order), so none can enter.
      if (best.full && wRelevance * (max > 0 ? Math.fround(Math.fround(r / count) / max) : 0) + maxPopularity + maxQuality < best.kth) break;
      const i = m.singleAt(li, j);
      // Filtered out, or in several lists (scored above).
      if (i < 0) continue;
      const f = m.finalOf(i);
      if (r !== runRank || f !== runFinal) {
        runRank = r;
        runFinal = f;
        runLength = 0;
      } else if (runLength >= k) {
        // Every posting of the list has the same popularity and quality: the rest of this rank has this final too.
        if (sameStatic) while (x + 1 < order.length && rank[order[x + 1]!] === r) x++;
        continue;
      }
      runLength++;
      consider(i, f);
    }
  }
  return firstOf(candidates, k, best.full ? best.kth : Number.NEGATIVE_INFINITY, m);
}

/**
 * The first k of the candidates: those above the k-th best final, then of those that tie with it
 * each list's first ones (a list's matches are in name order, so no other of its ties can come
 * before them), sorted by `before`. Generated packages tie by the hundred: sorting every tie by
 * `before` compared names.
 */
function firstOf(
  candidates: number[],
  k: number,
  kth: number,
  m: { lists: Postings[]; finals: Float64Array; fromList: Int32Array; fromAt: Int32Array; before: (a: number, b: number) => number },
): number[] {
  const out: number[] = [];
  const ties: number[][] = m.lists.map(() => []);
  for (const i of candidates) {
    const f = m.finals[i]!;
    if (f > kth) out.push(i);
    else if (f === kth) ties[m.fromList[i]!]!.push(i);
  }
  const room = k - out.length;
  const { fromAt } = m;
  for (const tied of ties) {
    if (tied.length <= room) {
      out.push(...tied);
      continue;
    }
    // Position and match in one number, sorted as numbers: OperandPostings keeps lists of at most
    // 125,000 postings, far below 2^24 (a comparator sorts past it).
    const keys = new Float64Array(tied.length);
    let packed = true;
    for (let x = 0; x < tied.length; x++) {
      const i = tied[x]!;
      if (fromAt[i]! >= 2 ** 24 || i >= 2 ** 24) packed = false;
      keys[x] = fromAt[i]! * 2 ** 24 + i;
    }
    if (packed) {
      keys.sort();
      for (let x = 0; x < room; x++) out.push(keys[x]! % 2 ** 24);
    } else out.push(...tied.sort((a, b) => fromAt[a]! - fromAt[b]!).slice(0, room));
  }
  return out.sort(m.before).slice(0, k);
}

interface Dense {
  /** A bit per package id, for the list's postings without a flag. */
  bits: Uint32Array;
  /** The list's positions in ascending order of package id. */
  at: Int32Array;
  /** Where the postings with a flag (private, deprecated) are, and how many have none. */
  flagged: Int32Array;
  shown: number;
}

const denseLists = new WeakMap<Postings, Dense | null>();

/**
 * A list's bits and id index, worked out once per list, for a list with at least a posting per 64
 * package ids (the bits then cost at most 8 bytes a posting, the index 4 more; the postings
 * bound, maxPostings, does not count them: 6 MB at 500,000 postings); null for a sparser one.
 */
function denseOf(list: Postings): Dense | null {
  let dense = denseLists.get(list);
  if (dense !== undefined) return dense;
  dense = null;
  const ids = list.ids;
  // An empty list (an alias no package holds) is dense: it adds nothing.
  if (ids.length === 0 || ids.length * 64 >= list.maxId + 1) {
    const bits = new Uint32Array((list.maxId >> 5) + 1);
    const flagged: number[] = [];
    for (let j = 0; j < ids.length; j++) {
      if (list.flags[j] !== 0) flagged.push(j);
      else bits[ids[j]! >> 5]! |= 1 << (ids[j]! & 31);
    }
    const at = sortedPositions(
      ids.length,
      (j) => ids[j]!,
      (a, b) => ids[a]! - ids[b]! || a - b,
    );
    dense = { bits, at, flagged: Int32Array.from(flagged), shown: ids.length - flagged.length };
  }
  denseLists.set(list, dense);
  return dense;
}

/** Where the package is in the list (it is: its bit is set). */
function positionIn(list: Postings, dense: Dense, id: number): number {
  const { ids } = list;
  const at = dense.at;
  let lo = 0;
  let hi = at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[at[mid]!]! < id) lo = mid + 1;
    else hi = mid;
  }
  return at[lo]!;
}

/** Packages in more than one of the lists, and in any, by bit; reused (no await while in use, as IdSlots). */
let severalBits = new Uint32Array(0);
let anyBits = new Uint32Array(0);

/**
 * The postings merge for a query of several words, from each list's bits: the packages in several
 * lists (a bit set in two), with their summed ranks, 32 packages at a time, and from them how many
 * packages match (each list's postings, less one per further list a package is in), instead of a
 * look-up per posting. Only the matches in several
 * lists are laid out; bestMatches lays out the single ones it reads (singleAt). The stamp merge
 * it stands in for was 120 us of a two-word search at 100,000 packages, 7,500 matches. Null when
 * a list is sparse or a posting with a flag would be shown (the bits hold none).
 */
function mergeDense(
  lists: Postings[],
  m: MatchArrays,
  mayRead: ReadonlySet<number>,
  onlyDeprecated: boolean,
  skipDeprecated: boolean,
): { n: number; maxSum: number; severalN: number; singleAt: (li: number, j: number) => number } | null {
  if (onlyDeprecated) return null;
  const dense: Dense[] = [];
  let words = 0;
  for (const list of lists) {
    const d = denseOf(list);
    if (!d) return null;
    for (const j of d.flagged) {
      const flags = list.flags[j]!;
      // The merge's filter: a private package the reader may read, or a deprecated one asked for, would be shown.
      if (!((flags & PRIVATE && !mayRead.has(list.ids[j]!)) || (skipDeprecated && flags & DEPRECATED))) return null;
    }
    dense.push(d);
    if (d.bits.length > words) words = d.bits.length;
  }
  // A package flagged in one list and not in another (a list read before the change that flagged
  // it, until its notice arrives) is left to the stamp merge, which decides by the first list.
  for (const [li, list] of lists.entries())
    for (const j of dense[li]!.flagged) {
      const id = list.ids[j]!;
      if (dense.some((d) => id >> 5 < d.bits.length && (d.bits[id >> 5]! & (1 << (id & 31))) !== 0)) return null;
    }
  if (severalBits.length < words) severalBits = new Uint32Array(Math.max(words, severalBits.length * 2));
  const several = severalBits;
  const { fromList, fromAt, sums, lists: listCount } = m;
  // Lists no package is in (an alias, a made-up word) take no part.
  const held = [...lists.keys()].filter((li) => lists[li]!.ids.length > 0);
  const bitsOf = held.map((li) => dense[li]!.bits);
  // Every shown posting counts a package, less one for each further list a package is in.
  let n = 0;
  for (const d of dense) n += d.shown;
  let severalN = 0;
  let maxSum = 0;
  /** Lays out the packages of word w that are in several lists (the bits of `more`). */
  const layOut = (w: number, more: number) => {
    while (more !== 0) {
      const low = more & -more;
      more ^= low;
      const id = (w << 5) | (31 - Math.clz32(low));
      const e = severalN++;
      // Summed in list order, from the first list that holds it, as the stamp merge does.
      let sum = 0;
      let first = -1;
      for (let h = 0; h < held.length; h++) {
        const bits = bitsOf[h]!;
        if (w >= bits.length || (bits[w]! & low) === 0) continue;
        const li = held[h]!;
        const j = positionIn(lists[li]!, dense[li]!, id);
        const r = lists[li]!.rank[j]!;
        if (first < 0) {
          first = li;
          fromAt[e] = j;
          sum = r;
        } else {
          sum = sum + r;
          n--;
        }
      }
      fromList[e] = first;
      sums[e] = sum;
      listCount[e] = 2;
      m.several[e] = e;
      if (sum > maxSum) maxSum = sum;
    }
  };
  if (bitsOf.length <= 1) several.fill(0, 0, words);
  else if (bitsOf.length === 2) {
    // Most queries are two words: one AND per 32 packages.
    const a = bitsOf[0]!;
    const b = bitsOf[1]!;
    const both = Math.min(a.length, b.length);
    for (let w = 0; w < both; w++) {
      const more = a[w]! & b[w]!;
      several[w] = more;
      if (more !== 0) layOut(w, more);
    }
    several.fill(0, both, words);
  } else {
    // Each list over its own words only: a list no package holds, or a short one, costs nothing
    // more (a query of many made-up words made a pass over the longest list's words per word).
    if (anyBits.length < words) anyBits = new Uint32Array(severalBits.length);
    const any = anyBits;
    several.fill(0, 0, words);
    any.fill(0, 0, words);
    for (const bits of bitsOf)
      for (let w = 0; w < bits.length; w++) {
        const v = bits[w]!;
        several[w] = several[w]! | (any[w]! & v);
        any[w] = any[w]! | v;
      }
    for (let w = 0; w < words; w++) if (several[w] !== 0) layOut(w, several[w]!);
  }
  const isSingle = (list: Postings, j: number) => {
    const id = list.ids[j]!;
    return list.flags[j] === 0 && (several[id >> 5]! & (1 << (id & 31))) === 0;
  };
  // Each list's best single match: its highest rank of a package in no other list.
  for (const list of lists) {
    for (const j of byRank(list))
      if (isSingle(list, j)) {
        if (list.rank[j]! > maxSum) maxSum = list.rank[j]!;
        break;
      }
  }
  let next = severalN;
  const singleAt = (li: number, j: number) => {
    const list = lists[li]!;
    if (!isSingle(list, j)) return -1;
    const e = next++;
    fromList[e] = li;
    fromAt[e] = j;
    sums[e] = list.rank[j]!;
    listCount[e] = 1;
    return e;
  };
  return { n, maxSum, severalN, singleAt };
}

/**
 * topK's test of whether a match can enter a full page, for the postings merge: told from the exact
 * flag, the final score and, on a tie, the position when both are of one list (in name order),
 * else the name against the kept worst's (kept at hand while it stays the worst), without `before`: topK was an eighth of a search's CPU at 100k packages, and
 * most of it compared names (scale's generated packages tie often). The order is `before`'s.
 */
function behindWorst(exact: Uint8Array, finals: Float64Array, fromList: Int32Array, fromAt: Int32Array, nameOf: (i: number) => string) {
  let worst = -1;
  let worstName = '';
  return (i: number, w: number) => {
    if (exact[i] !== exact[w]) return exact[i]! < exact[w]!;
    if (finals[i] !== finals[w]) return finals[i]! < finals[w]!;
    // One list's postings are in name order: the later one sorts after.
    if (fromList[i] === fromList[w]) return fromAt[i]! > fromAt[w]!;
    // A worst leaves the heap for good once replaced: its index names it.
    if (w !== worst) {
      worst = w;
      worstName = nameOf(w);
    }
    return nameOf(i) >= worstName;
  };
}
