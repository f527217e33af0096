import { InputError } from './errors.js';

/**
 * Trusted publishing: a package's owners name the CI jobs (issuer, repository, its owner's id,
 * workflow, optionally an environment) whose OIDC ID tokens may be exchanged for a short-lived
 * publish token. The rules both the server and the client apply live here.
 */

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITLAB_ISSUER = 'https://gitlab.com';

/** Short names the CLI and the API accept for the issuers known out of the box. */
export const ISSUER_ALIASES: Record<string, string> = { github: GITHUB_ACTIONS_ISSUER, gitlab: GITLAB_ISSUER };

/** The issuer URL an alias or URL names (trailing slashes dropped: `iss` never has one). */
export const issuerUrlOf = (issuer: string) => ISSUER_ALIASES[issuer.trim().toLowerCase()] ?? issuer.trim().replace(/\/+$/, '');

export interface TrustedPublisherInput {
  issuer: string;
  repository: string;
  repositoryOwnerId: string;
  workflow: string;
  environment?: string | null;
}

const field = (value: unknown, name: string, hint: string, max = 200): string => {
  if (typeof value !== 'string' || !value.trim()) throw new InputError(`${name} is required: ${hint}`);
  const v = value.trim();
  if (v.length > max || /[\s\u0000-\u001f]/.test(v))
    throw new InputError(`${name} must be at most ${max} characters without spaces or control characters, got ${JSON.stringify(v.slice(0, 60))}`);
  return v;
};

/** A trusted publisher as stored: every field present, trimmed, the issuer as its URL. */
export function parseTrustedPublisher(body: Partial<Record<keyof TrustedPublisherInput, unknown>>): TrustedPublisherInput {
  const issuer = issuerUrlOf(field(body.issuer, 'issuer', 'github, gitlab, or the URL of an issuer the registry is configured for (OIDC_ISSUERS)', 500));
  if (!/^https?:\/\/[^/\s]+/.test(issuer)) throw new InputError(`issuer must be github, gitlab or an https URL, got ${JSON.stringify(issuer)}`);
  const environment =
    body.environment === undefined || body.environment === null || body.environment === ''
      ? null
      : field(body.environment, 'environment', 'the CI environment name, or leave it out');
  return {
    issuer,
    repository: field(body.repository, 'repository', 'the repository as the CI names it, e.g. acme/react-gen (GitHub) or acme/tools/react-gen (GitLab)'),
    repositoryOwnerId: field(
      typeof body.repositoryOwnerId === 'number' ? String(body.repositoryOwnerId) : body.repositoryOwnerId,
      'repositoryOwnerId',
      "the numeric id of the repository's owner (GitHub: repository_owner_id; GitLab: namespace_id); names can be re-registered, ids cannot",
      64,
    ),
    workflow: field(body.workflow, 'workflow', 'the workflow file (release.yml, .gitlab-ci.yml), optionally with @ref (release.yml@refs/heads/main)', 500),
    environment,
  };
}

/**
 * Whether a configured workflow matches the token's workflow claim. The claim is a path with a
 * ref (GitHub `workflow_ref`: `acme/app/.github/workflows/release.yml@refs/heads/main`; GitLab
 * `ci_config_ref_uri`: `gitlab.com/acme/app//.gitlab-ci.yml@refs/heads/main`). The configured value
 * may be the file name, the path, or either with `@ref` to pin a branch or tag. The repository is
 * matched separately, so the file name alone is as precise as the whole path.
 */
export function workflowMatches(configured: string, claim: string): boolean {
  // The ref starts at "@refs/" (both CIs write refs so). Branch names may hold "@" and even
  // "@refs/": splitting at the last "@" let a branch named "x/release.yml@refs/heads/main" pass
  // any workflow off as release.yml on main. A claim with two "@refs/" (a branch or a GitLab
  // config folder naming one), or with an "@" but no "@refs/", cannot be split without
  // guessing, so only the whole claim matches it.
  const at = claim.indexOf('@refs/');
  if (at !== -1 ? claim.indexOf('@refs/', at + 1) !== -1 : claim.includes('@')) return configured === claim;
  const path = at === -1 ? claim : claim.slice(0, at);
  const ref = at === -1 ? null : claim.slice(at + 1);
  // The configured value names the workflow by whole path segments from the end (release.yml,
  // .github/workflows/release.yml, or the claim's full path), and pins the ref when it has one.
  const cAt = configured.indexOf('@refs/');
  const cPath = cAt === -1 ? configured : configured.slice(0, cAt);
  const cRef = cAt === -1 ? null : configured.slice(cAt + 1);
  if (cRef !== null && cRef !== ref) return false;
  return cPath !== '' && (path === cPath || path.endsWith(`/${cPath}`));
}
