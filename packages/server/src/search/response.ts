import type { SearchHit } from './search-index.js';

const round = (n: number) => Math.round(n * 1e4) / 1e4;

/** One result, in the shape npm's /-/v1/search uses, plus what a template registry adds. */
export function searchObject(hit: SearchHit, publicUrl: string) {
  const { doc } = hit;
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
    downloads: { monthly: hit.downloads },
    score: { final: round(hit.final), detail: { relevance: round(hit.relevance), popularity: round(hit.popularity), quality: round(hit.quality) } },
    searchScore: round(hit.searchScore),
  };
}
