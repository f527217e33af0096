import type { SearchDoc } from './documents.js';
import type { SearchHit } from './search-index.js';

const round = (n: number) => Math.round(n * 1e4) / 1e4;

/** What a result says about its package: the same for every search that finds this document. */
function packagePart(doc: SearchDoc, publicUrl: string) {
  return {
    package: {
      name: doc.name,
      version: doc.version,
      description: doc.description,
      keywords: doc.keywords,
      scope: doc.scope ?? 'unscoped',
      date: doc.date,
      links: { registry: `${publicUrl}/api/v1/packages/${doc.name}` },
      maintainers: doc.maintainers.map((username) => ({ username })),
      publisher: doc.publisher ? { username: doc.publisher } : null,
    },
    generators: doc.generators.map((g) => ({ name: g.name, description: g.description, templates: g.templates.map((t) => t.name) })),
    capabilities: doc.capabilities,
    deprecated: doc.deprecated,
  };
}

/** What a result says about this search's match: its downloads as ranked and its scores. */
function matchPart(hit: SearchHit) {
  return {
    downloads: { monthly: hit.downloads },
    score: { final: round(hit.final), detail: { relevance: round(hit.relevance), popularity: round(hit.popularity), quality: round(hit.quality) } },
    searchScore: round(hit.searchScore),
  };
}

/** One result, in the shape npm's /-/v1/search uses, plus what a template registry adds. */
export function searchObject(hit: SearchHit, publicUrl: string) {
  return { ...packagePart(hit.doc, publicUrl), ...matchPart(hit) };
}

/**
 * Each document's packagePart as JSON (without its braces), kept with the document: the engines
 * keep a document object until the package changes and replace it then, so the text lives as long
 * as the document it was made from. Serializing a page was a tenth of a search's CPU in
 * bench/scale.mjs (JSON.stringify of 20 results), and most of it was this part, every time.
 */
const packageJson = new WeakMap<SearchDoc, { publicUrl: string; json: string }>();

const inner = (value: object) => JSON.stringify(value).slice(1, -1);

/** A page of results as the search routes answer it: searchObject's per hit, the same JSON as serializing them. */
export function searchResultJson(total: number, hits: SearchHit[], publicUrl: string, time = new Date()): string {
  const objects: string[] = [];
  for (const hit of hits) {
    let kept = packageJson.get(hit.doc);
    if (kept?.publicUrl !== publicUrl) packageJson.set(hit.doc, (kept = { publicUrl, json: inner(packagePart(hit.doc, publicUrl)) }));
    objects.push(`{${kept.json},${inner(matchPart(hit))}}`);
  }
  return `{"total":${JSON.stringify(total)},"objects":[${objects.join(',')}],"time":${JSON.stringify(time.toISOString())}}`;
}
