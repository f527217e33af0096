import { GITHUB_ACTIONS_ISSUER, GITLAB_ISSUER, InputError, issuerUrlOf, parseDuration } from '@unjucks/core';

/** Which claim of an issuer's ID tokens carries each field a trusted publisher is matched on. */
export interface ClaimMapping {
  repository: string;
  repositoryOwnerId: string;
  workflow: string;
  environment: string;
  /** Named in the audit log: which run asked for the token. */
  runId: string;
}

export interface OidcIssuer {
  /** Exactly the tokens' `iss`. */
  issuer: string;
  name: string;
  claims: ClaimMapping;
}

export interface OidcSettings {
  issuers: OidcIssuer[];
  /** How long an exchanged publish token lives (OIDC_TOKEN_LIFETIME, default 15 minutes). */
  tokenLifetimeSeconds: number;
}

export const GITHUB_CLAIMS: ClaimMapping = {
  repository: 'repository',
  repositoryOwnerId: 'repository_owner_id',
  workflow: 'workflow_ref',
  environment: 'environment',
  runId: 'run_id',
};

export const GITLAB_CLAIMS: ClaimMapping = {
  repository: 'project_path',
  repositoryOwnerId: 'namespace_id',
  workflow: 'ci_config_ref_uri',
  environment: 'environment',
  runId: 'pipeline_id',
};

export const BUILT_IN_ISSUERS: readonly OidcIssuer[] = [
  { issuer: GITHUB_ACTIONS_ISSUER, name: 'github', claims: GITHUB_CLAIMS },
  { issuer: GITLAB_ISSUER, name: 'gitlab', claims: GITLAB_CLAIMS },
];

const CLAIM_PRESETS: Record<string, ClaimMapping> = { github: GITHUB_CLAIMS, gitlab: GITLAB_CLAIMS };

const USAGE =
  'OIDC_ISSUERS must be a JSON array such as [{"issuer":"https://gitlab.example.com","name":"our-gitlab","claims":"gitlab"}]; claims is "github", "gitlab" or an object naming the claims repository, repositoryOwnerId, workflow, environment and runId';

/**
 * The issuers whose ID tokens the registry accepts: GitHub Actions and gitlab.com, plus those in
 * OIDC_ISSUERS (a self-hosted GitLab, another CI). An entry with a built-in issuer's URL replaces it.
 */
export function parseOidcIssuers(raw: string | undefined): OidcIssuer[] {
  const byUrl = new Map(BUILT_IN_ISSUERS.map((i) => [i.issuer, i]));
  if (!raw?.trim()) return [...byUrl.values()];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new InputError(`${USAGE}; it is not JSON`);
  }
  if (!Array.isArray(list)) throw new InputError(USAGE);
  for (const entry of list as Record<string, unknown>[]) {
    if (!entry || typeof entry.issuer !== 'string' || !/^https?:\/\/[^/\s]+/.test(entry.issuer))
      throw new InputError(`${USAGE}; each entry needs "issuer" (a URL)`);
    const issuer = issuerUrlOf(entry.issuer);
    const claims =
      typeof entry.claims === 'string' ? CLAIM_PRESETS[entry.claims] : { ...GITHUB_CLAIMS, ...(entry.claims as Partial<ClaimMapping> | undefined) };
    if (!claims || Object.values(claims).some((c) => typeof c !== 'string' || !c)) throw new InputError(`${USAGE}; the claims of ${issuer} are not valid`);
    byUrl.set(issuer, { issuer, name: typeof entry.name === 'string' && entry.name ? entry.name : new URL(issuer).host, claims });
  }
  return [...byUrl.values()];
}

export function loadOidcSettings(env: Record<string, string | undefined>): OidcSettings {
  return {
    issuers: parseOidcIssuers(env.OIDC_ISSUERS),
    tokenLifetimeSeconds: env.OIDC_TOKEN_LIFETIME ? Math.max(1, parseDuration(env.OIDC_TOKEN_LIFETIME, 'OIDC_TOKEN_LIFETIME')) : 15 * 60,
  };
}
