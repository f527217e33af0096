import type { LoginRequest, MintedTokenResponse, SearchResponse, UnpublishResponse, WhoamiResponse } from '@unjucks/core/api-schemas';
import type { Settings } from './config.js';
import { getJson, packageUrl, sendJson } from './http.js';

/**
 * The native API as the CLI calls it, typed by the schemas the server validates and describes
 * (@unjucks/core/api-schemas): a change to an answer's shape breaks the build here, not a user.
 * Type-only imports: zod never loads at the CLI's start-up.
 */
export const registryApi = (s: Settings) => ({
  whoami: () => getJson<WhoamiResponse>(s, `${s.registry}/api/v1/whoami`, 'checking the token'),
  login: async (body: LoginRequest) => (await sendJson<MintedTokenResponse>(s, 'POST', `${s.registry}/api/v1/auth/login`, body, 'logging in')).body,
  search: (query: string, size: number) =>
    getJson<SearchResponse>(s, `${s.registry}/api/v1/search?q=${encodeURIComponent(query)}&size=${size}`, `searching for "${query}"`),
  unpublish: async (name: string, version: string | null, what: string) =>
    (await sendJson<UnpublishResponse>(s, 'DELETE', version ? packageUrl(s.registry, name, version) : packageUrl(s.registry, name), undefined, what)).body,
});

export type { SearchResponse, WhoamiResponse };
