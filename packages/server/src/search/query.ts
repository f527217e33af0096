/** A search query with its qualifiers taken out of the text. */
export interface ParsedQuery {
  text: string;
  keywords: string[];
  scope: string | null;
  maintainer: string | null;
  generators: string[];
  capabilities: string[];
  withoutCapabilities: string[];
  deprecated: 'exclude' | 'include' | 'only';
  onlyPrivate: boolean;
}

/**
 * Reads qualifiers out of a query: `keyword:react`, `scope:@acme` (or a leading `@acme/`),
 * `author:`/`maintainer:`, `generator:component`, `capability:shell`, `-capability:shell`,
 * `not:deprecated`, `is:deprecated` and `is:private`. What is left is the text to match.
 */
export function parseQuery(q: string, opts: { deprecated?: boolean } = {}): ParsedQuery {
  const parsed: ParsedQuery = {
    text: '',
    keywords: [],
    scope: null,
    maintainer: null,
    generators: [],
    capabilities: [],
    withoutCapabilities: [],
    deprecated: opts.deprecated ? 'include' : 'exclude',
    onlyPrivate: false,
  };
  const text: string[] = [];
  for (const token of q.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(-?)([a-z]+):(.+)$/i.exec(token);
    const [, neg, key, value] = m ?? [];
    switch (m && `${neg}${key!.toLowerCase()}`) {
      case 'keyword':
        parsed.keywords.push(value!.toLowerCase());
        continue;
      case 'scope':
        parsed.scope = value!.replace(/^@/, '').replace(/\/$/, '').toLowerCase();
        continue;
      case 'author':
      case 'maintainer':
        parsed.maintainer = value!.toLowerCase();
        continue;
      case 'generator':
        parsed.generators.push(value!.toLowerCase());
        continue;
      case 'capability':
        parsed.capabilities.push(value!.toLowerCase());
        continue;
      case '-capability':
        parsed.withoutCapabilities.push(value!.toLowerCase());
        continue;
      case 'not':
        if (value!.toLowerCase() === 'deprecated') parsed.deprecated = 'exclude';
        continue;
      case 'is':
        if (value!.toLowerCase() === 'deprecated') parsed.deprecated = 'only';
        if (value!.toLowerCase() === 'private') parsed.onlyPrivate = true;
        continue;
    }
    const scoped = /^@([a-z0-9][a-z0-9._~-]*)\/(.*)$/i.exec(token);
    if (scoped) {
      parsed.scope = scoped[1]!.toLowerCase();
      if (scoped[2]) text.push(token);
      continue;
    }
    text.push(token);
  }
  parsed.text = text.join(' ');
  return parsed;
}
