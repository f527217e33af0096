import type { MintedTokenResponse, OidcExchangeRequest } from '@unjucks/core/api-schemas';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { sendJson } from './http.js';

type Env = Record<string, string | undefined>;

/**
 * The CI job's OIDC ID token for the registry, or null outside a CI that offers one.
 * GitHub Actions hands one out on request (the job needs `permissions: id-token: write`);
 * GitLab CI puts one in a variable the job declares under `id_tokens:` (UNJUCKS_ID_TOKEN), and
 * any other CI can do the same. The audience is the registry's URL, which must be its PUBLIC_URL.
 */
export async function ciIdToken(audience: string, env: Env = process.env): Promise<string | null> {
  if (env.UNJUCKS_ID_TOKEN) return env.UNJUCKS_ID_TOKEN;
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer) {
    const u = new URL(url);
    u.searchParams.set('audience', audience);
    let res: Response;
    try {
      res = await fetch(u, { headers: { authorization: `bearer ${bearer}`, accept: 'application/json' } });
    } catch (e) {
      throw new CliError(
        `cannot reach GitHub Actions for an ID token (${(e as Error).message}); set UNJUCKS_TOKEN or REGISTRY_TOKEN to publish with a token instead`,
      );
    }
    const body = (await res.json().catch(() => null)) as { value?: unknown } | null;
    if (!res.ok || typeof body?.value !== 'string')
      throw new CliError(`GitHub Actions gave no ID token (HTTP ${res.status}); does the job have "permissions: id-token: write"?`);
    return body.value;
  }
  if (env.GITHUB_ACTIONS === 'true')
    throw new CliError(
      'publishing from GitHub Actions without a token needs an ID token: give the job "permissions: id-token: write" (trusted publishing), or set UNJUCKS_TOKEN / REGISTRY_TOKEN from a secret',
    );
  if (env.GITLAB_CI === 'true')
    throw new CliError(
      `publishing from GitLab CI without a token needs an ID token: add to the job "id_tokens: { UNJUCKS_ID_TOKEN: { aud: ${audience} } }" (trusted publishing), or set UNJUCKS_TOKEN / REGISTRY_TOKEN from a CI variable`,
    );
  return null;
}

/** Trades the ID token for a publish token limited to `name` (POST /api/v1/oidc/exchange). */
export async function exchangeIdToken(settings: Settings, idToken: string, name: string): Promise<MintedTokenResponse> {
  const body: OidcExchangeRequest = { token: idToken, package: name };
  const anonymous = { ...settings, token: undefined };
  return (
    await sendJson<MintedTokenResponse>(
      anonymous,
      'POST',
      `${settings.registry}/api/v1/oidc/exchange`,
      body,
      `exchanging the CI's ID token for a publish token for ${name} (trusted publishing)`,
    )
  ).body;
}
