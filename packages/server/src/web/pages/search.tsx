import { CAPABILITY_NAMES, SCRIPT_CAPABILITIES } from '@unjucks/core';
import { privateFilter } from '../../access/rights.js';
import { parseQuery } from '../../search/query.js';
import type { SearchHit } from '../../search/search-index.js';
import type { WebCtx } from '../env.js';
import { fmtDate, packageUrl, Page, userUrl, WEB, page } from '../layout.js';

const PAGE_SIZE = 20;
/** Facets count over this many of the best matches: enough to say what a result set holds. */
const FACET_DEPTH = 500;

interface Results {
  q: string;
  total: number;
  hits: SearchHit[];
  from: number;
  capabilities: [string, number][];
  keywords: [string, number][];
}

/** The same search engine and private filter as GET /api/v1/search. */
export async function runSearch(c: WebCtx): Promise<Results> {
  const registry = c.get('registry');
  const q = (c.req.query('q') ?? '').slice(0, 500);
  const from = Math.max(0, Math.min(10_000, Number.parseInt(c.req.query('from') ?? '0', 10) || 0));
  const canSeePrivate = await privateFilter(registry.db, c.get('actor'));
  const parsed = parseQuery(q);
  const page = await registry.search.search(parsed, { size: PAGE_SIZE, from, canSeePrivate });
  const wide = await registry.search.search(parsed, { size: FACET_DEPTH, from: 0, canSeePrivate });
  const caps = new Map<string, number>();
  const kws = new Map<string, number>();
  for (const h of wide.hits) {
    for (const cap of h.doc.capabilities) caps.set(cap, (caps.get(cap) ?? 0) + 1);
    for (const k of h.doc.keywords) kws.set(k.toLowerCase(), (kws.get(k.toLowerCase()) ?? 0) + 1);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
  return { q, total: page.total, hits: page.hits, from, capabilities: top(caps, CAPABILITY_NAMES.length), keywords: top(kws, 15) };
}

/** The query with one qualifier added, or taken out when it is already there. */
function toggle(q: string, token: string): string {
  const parts = q.split(/\s+/).filter(Boolean);
  const i = parts.findIndex((p) => p.toLowerCase() === token.toLowerCase());
  if (i >= 0) parts.splice(i, 1);
  else parts.push(token);
  return parts.join(' ');
}

const searchHref = (q: string, from = 0) => `${WEB}/?q=${encodeURIComponent(q)}${from ? `&from=${from}` : ''}`;

export function Hit({ hit }: { hit: SearchHit }) {
  const d = hit.doc;
  return (
    <li class="hit">
      <h3>
        <a href={packageUrl(d.name)}>{d.name}</a> <span class="version">{d.version}</span>
        {d.private ? <span class="badge badge-private">private</span> : null}
        {d.deprecated ? <span class="badge badge-warn">deprecated</span> : null}
      </h3>
      {d.description ? <p class="desc">{d.description}</p> : null}
      <dl class="facts">
        {d.generators.length ? (
          <>
            <dt>Generators</dt>
            <dd>{d.generators.map((g) => `${g.name} (${g.templates.map((t) => t.name).join(', ')})`).join('; ')}</dd>
          </>
        ) : null}
        <dt>Capabilities</dt>
        <dd>
          {d.capabilities.length
            ? d.capabilities.map((cap) => <span class={`badge ${SCRIPT_CAPABILITIES.includes(cap) ? 'badge-warn' : ''}`}>{cap}</span>)
            : 'writes files only'}
        </dd>
        <dt>Downloads</dt>
        <dd>{hit.downloads.toLocaleString('en')} in 30 days</dd>
        <dt>Published</dt>
        <dd>
          {fmtDate(d.date)}
          {d.publisher ? (
            <>
              {' by '}
              <a href={userUrl(d.publisher)}>{d.publisher}</a>
            </>
          ) : null}
        </dd>
      </dl>
      <p class="install">
        <code>unjucks install {d.name}</code>
      </p>
    </li>
  );
}

export function ResultList({ r }: { r: Results }) {
  return (
    <div id="results" aria-live="polite">
      <p class="count">
        {r.total === 0 ? 'No packages match.' : `${r.total.toLocaleString('en')} package${r.total === 1 ? '' : 's'}`}
        {r.total > PAGE_SIZE ? ` · showing ${r.from + 1}–${Math.min(r.total, r.from + PAGE_SIZE)}` : ''}
      </p>
      <div class="search-layout">
        <aside class="facets" aria-label="Refine">
          {r.capabilities.length ? (
            <section>
              <h2>Capabilities</h2>
              <ul>
                {r.capabilities.map(([cap, n]) => (
                  <li>
                    <a href={searchHref(toggle(r.q, `capability:${cap}`))}>{cap}</a> <span class="n">{n}</span>{' '}
                    <a class="exclude" href={searchHref(toggle(r.q, `-capability:${cap}`))}>
                      without<span class="visually-hidden"> {cap}</span>
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {r.keywords.length ? (
            <section>
              <h2>Keywords</h2>
              <ul>
                {r.keywords.map(([k, n]) => (
                  <li>
                    <a href={searchHref(toggle(r.q, `keyword:${k}`))}>{k}</a> <span class="n">{n}</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </aside>
        <div>
          <ol class="hits">
            {r.hits.map((h) => (
              <Hit hit={h} />
            ))}
          </ol>
          <nav class="pager" aria-label="Pages">
            {r.from > 0 ? <a href={searchHref(r.q, Math.max(0, r.from - PAGE_SIZE))}>Previous</a> : null}
            {r.from + PAGE_SIZE < r.total ? <a href={searchHref(r.q, r.from + PAGE_SIZE)}>Next</a> : null}
          </nav>
        </div>
      </div>
    </div>
  );
}

export async function homePage(c: WebCtx) {
  const r = await runSearch(c);
  return page(
    c,
    <Page title={r.q ? `${r.q} – search` : 'Search'} actor={c.get('actor')} csrf={c.get('session')?.csrf} scripts={['search.js']}>
      <h1>Find code-generation templates</h1>
      <form class="search" role="search" action={`${WEB}/`} method="get" data-fragment={`${WEB}/search`}>
        <label for="q">Search packages, generators and templates</label>
        <div class="row">
          <input id="q" name="q" type="search" value={r.q} autocomplete="off" aria-describedby="q-help" />
          <button type="submit">Search</button>
        </div>
        <p id="q-help" class="help">
          Qualifiers: <code>keyword:react</code> <code>scope:@acme</code> <code>maintainer:alice</code> <code>generator:component</code>{' '}
          <code>capability:shell</code> <code>-capability:shell</code> <code>is:deprecated</code> <code>is:private</code>
        </p>
      </form>
      <ResultList r={r} />
    </Page>,
  );
}

/** The result list alone, for search as you type (server-rendered, so escaping stays in one place). */
export async function searchFragment(c: WebCtx) {
  const r = await runSearch(c);
  return c.html(<ResultList r={r} />);
}
