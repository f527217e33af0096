import type {
  LoginRequest,
  MintedTokenResponse,
  ReviewListResponse,
  ReviewPolicyResponse,
  ReviewStateResponse,
  SearchResponse,
  UnpublishResponse,
  VersionDiffResponse,
  WhoamiResponse,
} from '@unjucks/core/api-schemas';
import type { Settings } from './config.js';
import { getJson, packageUrl, sendJson } from './http.js';

/**
 * The native API as the CLI calls it, typed by the schemas the server validates and describes
 * (@unjucks/core/api-schemas): a change to an answer's shape breaks the build here, not a user.
 * Type-only imports: zod never loads at the CLI's start-up.
 */
/** A review policy belongs to an org (a floor for its scope) or to one package. */
export type ReviewPolicyTarget = { org: string } | { package: string };
const describeTarget = (t: ReviewPolicyTarget) => ('org' in t ? `org ${t.org}` : t.package);
const reviewPolicyUrl = (registry: string, t: ReviewPolicyTarget) =>
  'org' in t ? `${registry}/api/v1/orgs/${encodeURIComponent(t.org)}/review-policy` : packageUrl(registry, t.package, 'review-policy');

export const registryApi = (s: Settings) => ({
  whoami: () => getJson<WhoamiResponse>(s, `${s.registry}/api/v1/whoami`, 'checking the token'),
  login: async (body: LoginRequest) => (await sendJson<MintedTokenResponse>(s, 'POST', `${s.registry}/api/v1/auth/login`, body, 'logging in')).body,
  search: (query: string, size: number) =>
    getJson<SearchResponse>(s, `${s.registry}/api/v1/search?q=${encodeURIComponent(query)}&size=${size}`, `searching for "${query}"`),
  unpublish: async (name: string, version: string | null, what: string) =>
    (await sendJson<UnpublishResponse>(s, 'DELETE', version ? packageUrl(s.registry, name, version) : packageUrl(s.registry, name), undefined, what)).body,
  approve: async (name: string, version: string) =>
    (await sendJson<ReviewStateResponse>(s, 'POST', packageUrl(s.registry, name, version, 'approve'), undefined, `approving ${name}@${version}`)).body,
  reject: async (name: string, version: string, reason: string) =>
    (await sendJson<ReviewStateResponse>(s, 'POST', packageUrl(s.registry, name, version, 'reject'), { reason }, `rejecting ${name}@${version}`)).body,
  reviewPolicy: (target: ReviewPolicyTarget) =>
    getJson<ReviewPolicyResponse>(s, reviewPolicyUrl(s.registry, target), `reading the review policy of ${describeTarget(target)}`),
  setReviewPolicy: async (target: ReviewPolicyTarget, requiredApprovals: number) =>
    (
      await sendJson<ReviewPolicyResponse>(
        s,
        'PUT',
        reviewPolicyUrl(s.registry, target),
        { requiredApprovals },
        `setting the review policy of ${describeTarget(target)}`,
      )
    ).body,
  reviews: (name: string) => getJson<ReviewListResponse>(s, packageUrl(s.registry, name, 'reviews'), `listing the releases of ${name} waiting for review`),
  diff: (name: string, from: string, to: string) =>
    getJson<VersionDiffResponse>(
      s,
      `${packageUrl(s.registry, name, to, 'diff')}?from=${encodeURIComponent(from)}`,
      `comparing ${name}@${from} with ${name}@${to}`,
    ),
});

export type { SearchResponse, WhoamiResponse };
