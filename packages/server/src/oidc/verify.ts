import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { InputError } from '@unjucks/core';
import { UnavailableError } from '../errors.js';
import type { OidcIssuer } from './issuers.js';

/** Asymmetric only: with HS256 anyone who knows the "secret" (here: nothing, or the public key) could sign. */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256'];
/** Clocks of CI runners and the registry differ a little; no more than this is forgiven. */
export const CLOCK_TOLERANCE_S = 30;
/** CI ID tokens live minutes; an older one is refused even if its issuer set a long exp. */
const MAX_TOKEN_AGE_S = 3600;
const DISCOVERY_TIMEOUT_MS = 5000;

const refused = (why: string) => new InputError(`the ID token was refused: ${why}`, 'unauthorized');

type Jwks = ReturnType<typeof createRemoteJWKSet>;
/**
 * Per issuer, its key set as jose fetches and caches it (refetched on an unknown kid, at most
 * every 30 s). A failed discovery is not cached, so the next exchange tries again.
 */
const keySets = new Map<string, Promise<Jwks>>();

async function discover(issuer: string): Promise<Jwks> {
  const url = `${issuer}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: 'error' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (e) {
    throw new UnavailableError(`cannot read the OpenID configuration of ${issuer} (${url}: ${(e as Error).message}); try again shortly`);
  }
  // A document naming another issuer would let that issuer's keys vouch for this one.
  if (doc.issuer !== issuer || typeof doc.jwks_uri !== 'string')
    throw new UnavailableError(
      `the OpenID configuration of ${issuer} names issuer ${JSON.stringify(doc.issuer)} or has no jwks_uri; the registry does not trust it`,
    );
  // The keys come over https, or from the issuer's own origin (an operator's http issuer on a test
  // network): a document must not send the registry to fetch keys over plain http from elsewhere.
  let jwks: URL;
  try {
    jwks = new URL(doc.jwks_uri);
  } catch {
    throw new UnavailableError(`the OpenID configuration of ${issuer} has a jwks_uri that is not a URL; the registry does not trust it`);
  }
  if (jwks.protocol !== 'https:' && jwks.origin !== new URL(issuer).origin)
    throw new UnavailableError(
      `the OpenID configuration of ${issuer} names keys at ${jwks.origin} over ${jwks.protocol.replace(/:$/, '')}; keys must come over https or from the issuer's own origin`,
    );
  return createRemoteJWKSet(jwks, { timeoutDuration: DISCOVERY_TIMEOUT_MS });
}

function keySetOf(issuer: string): Promise<Jwks> {
  let set = keySets.get(issuer);
  if (!set) {
    set = discover(issuer);
    keySets.set(issuer, set);
    set.catch(() => keySets.delete(issuer));
  }
  return set;
}

export interface VerifiedIdToken {
  issuer: OidcIssuer;
  claims: JWTPayload & { jti: string; exp: number };
}

/**
 * Verifies a CI job's ID token: an issuer the registry accepts, a signature by a key from that
 * issuer's JWKS with RS256 or ES256, `aud` = this registry, and `exp`, `nbf`, `iat` within a small
 * clock tolerance. The token's own `iss` only picks which keys to try; it is verified with them.
 */
export async function verifyIdToken(token: string, issuers: readonly OidcIssuer[], audience: string): Promise<VerifiedIdToken> {
  let alg: string | undefined;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    iss = decodeJwt(token).iss;
  } catch {
    throw refused('it is not a JWT');
  }
  if (!alg || !ID_TOKEN_ALGORITHMS.includes(alg))
    throw refused(`it is signed with ${JSON.stringify(alg ?? 'nothing')}; only ${ID_TOKEN_ALGORITHMS.join(' and ')} are accepted`);
  const issuer = issuers.find((i) => i.issuer === iss);
  if (!issuer)
    throw refused(`its issuer ${JSON.stringify(iss)} is not one this registry accepts (${issuers.map((i) => i.issuer).join(', ')}; more with OIDC_ISSUERS)`);
  const keys = await keySetOf(issuer.issuer);
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: issuer.issuer,
      audience,
      algorithms: ID_TOKEN_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: MAX_TOKEN_AGE_S,
      requiredClaims: ['exp', 'iat', 'jti'],
    });
    if (typeof payload.jti !== 'string' || !payload.jti || typeof payload.exp !== 'number') throw refused('it has no jti or exp');
    return { issuer, claims: { ...payload, jti: payload.jti, exp: payload.exp } };
  } catch (e) {
    if (e instanceof InputError || e instanceof UnavailableError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw refused('it has expired; ask the CI for a fresh one');
    if (e instanceof joseErrors.JWTClaimValidationFailed) {
      if (e.claim === 'aud')
        throw refused(
          `its audience is ${JSON.stringify(decodeJwt(token).aud)}, and this registry is ${audience}: request the ID token with audience ${audience} (the registry's PUBLIC_URL)`,
        );
      throw refused(`its "${e.claim}" claim failed the check (${e.reason})`);
    }
    if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWSSignatureVerificationFailed)
      throw refused(`its signature was not made by a key of ${issuer.issuer}`);
    if (e instanceof joseErrors.JOSEAlgNotAllowed) throw refused(`its algorithm is not ${ID_TOKEN_ALGORITHMS.join(' or ')}`);
    if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid)
      throw new UnavailableError(`cannot read the keys of ${issuer.issuer} (${(e as Error).message}); try again shortly`);
    throw refused(`it is invalid (${(e as Error).message})`);
  }
}
