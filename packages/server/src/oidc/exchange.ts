import { and, eq, lt, sql } from 'drizzle-orm';
import { InputError, ROLE_ACTIONS, scopeOf, workflowMatches } from '@unjucks/core';
import { roleOn } from '../access/rights.js';
import { mintToken, type MintedToken } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { oidcUsedJtis, packages, trustedPublishers, users } from '../db/schema.js';
import type { RegistryContext } from '../registry/context.js';
import type { AuditExtra } from '../app-env.js';
import type { OidcIssuer } from './issuers.js';
import { oidcOf } from './trusted-publishers.js';
import { CLOCK_TOLERANCE_S, verifyIdToken } from './verify.js';

/** What the CI job is, read from its verified ID token through the issuer's claim mapping. */
export interface CiJob {
  issuer: string;
  repository: string;
  repositoryOwnerId: string;
  workflow: string;
  environment: string | null;
  runId: string | null;
}

const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

export function ciJobOf(issuer: OidcIssuer, claims: Record<string, unknown>): CiJob {
  const c = issuer.claims;
  return {
    issuer: issuer.issuer,
    repository: text(claims[c.repository]) ?? '',
    repositoryOwnerId: text(claims[c.repositoryOwnerId]) ?? '',
    workflow: text(claims[c.workflow]) ?? '',
    environment: text(claims[c.environment]) || null,
    runId: text(claims[c.runId]),
  };
}

type Publisher = typeof trustedPublishers.$inferSelect;

/** Every configured field must equal the token's; GitHub treats repository names case-insensitively, so does this. */
export const publisherMatches = (p: Publisher, job: CiJob) =>
  p.issuer === job.issuer &&
  p.repository.toLowerCase() === job.repository.toLowerCase() &&
  p.repositoryOwnerId === job.repositoryOwnerId &&
  workflowMatches(p.workflow, job.workflow) &&
  (p.environment === null || p.environment === job.environment);

/**
 * Accepts each ID token once, across replicas: the row is the proof it was used. Rows outlive the
 * token's expiry by the clock tolerance, then are swept by later exchanges.
 */
async function consumeJti(db: Db, issuer: string, jti: string, exp: number): Promise<boolean> {
  await db.delete(oidcUsedJtis).where(lt(oidcUsedJtis.expiresAt, sql`now() - interval '1 minute'`));
  const inserted = await db
    .insert(oidcUsedJtis)
    .values({ issuer, jti, expiresAt: new Date((exp + CLOCK_TOLERANCE_S) * 1000) })
    .onConflictDoNothing()
    .returning({ jti: oidcUsedJtis.jti });
  return inserted.length === 1;
}

const forbidden = (message: string) => new InputError(message, 'forbidden');

/**
 * POST /api/v1/oidc/exchange: a CI job's ID token for a publish token limited to one package,
 * living OIDC_TOKEN_LIFETIME (15 minutes). The token belongs to the owner who added the matching
 * trusted publisher, carries its id (tokens.trusted_publisher_id) and a label naming the
 * repository, workflow and run, so every later request and audit record leads back to the job.
 * Nothing is minted unless every check passes.
 */
export async function exchangeIdToken(
  ctx: RegistryContext,
  body: { token: string; package: string },
  audit: (extra: AuditExtra) => void,
): Promise<MintedToken & { trustedPublisher: number }> {
  const oidc = oidcOf(ctx);
  const { issuer, claims } = await verifyIdToken(body.token, oidc.issuers, ctx.publicUrl);
  const job = ciJobOf(issuer, claims);
  const name = body.package;
  // From here the caller is a verified CI job: the record names it, refused or not.
  const detail: Record<string, unknown> = {
    issuer: job.issuer,
    repository: job.repository,
    repositoryOwnerId: job.repositoryOwnerId,
    workflow: job.workflow,
    environment: job.environment,
    runId: job.runId,
  };
  audit({ actor: `oidc:${issuer.name}:${job.repository}`.slice(0, 128), target: name, org: scopeOf(name), detail });
  if (!(await consumeJti(ctx.db, issuer.issuer, claims.jti, claims.exp)))
    throw new InputError(`the ID token was refused: it was already exchanged (jti ${claims.jti}); ask the CI for a fresh one`, 'unauthorized');

  const described = `repository ${job.repository}, owner id ${job.repositoryOwnerId}, workflow ${job.workflow}, environment ${job.environment ?? '(none)'}`;
  // A missing package answers as one without a match: the exchange does not tell who has which package.
  const noMatch = forbidden(
    `no trusted publisher of ${name} matches this ID token (${described}); an owner adds one with: unjucks trust add ${name} --issuer ${issuer.name} ...`,
  );
  const [pkg] = await ctx.db.select({ id: packages.id }).from(packages).where(eq(packages.name, name));
  if (!pkg) throw noMatch;
  const candidates = await ctx.db
    .select()
    .from(trustedPublishers)
    .where(and(eq(trustedPublishers.packageId, pkg.id), eq(trustedPublishers.issuer, issuer.issuer)));
  const match = candidates.find((p) => publisherMatches(p, job));
  if (!match) throw noMatch;
  detail.trustedPublisher = match.id;

  const [owner] = match.createdBy === null ? [] : await ctx.db.select().from(users).where(eq(users.id, match.createdBy));
  if (!owner) throw forbidden(`the owner who added trusted publisher ${match.id} of ${name} no longer exists; an owner should remove it and add it again`);
  const role = owner.isAdmin ? 'owner' : await roleOn(ctx.db, owner.id, name, pkg.id);
  if (!role || !ROLE_ACTIONS[role].includes('publish:update'))
    throw forbidden(
      `user ${owner.name}, who added trusted publisher ${match.id} of ${name}, can no longer publish it; a current owner should remove it and add it again`,
    );

  const workflowFile = job.workflow.split('@')[0]!.split('/').pop();
  const minted = await mintToken(ctx.db, ctx.keys, {
    userId: owner.id,
    userName: owner.name,
    actions: ['publish:update'],
    packages: [name],
    label: `oidc: ${job.repository} ${workflowFile}${job.runId ? ` run ${job.runId}` : ''}`.slice(0, 200),
    lifetimeSeconds: oidc.tokenLifetimeSeconds,
    createdBy: owner.id,
    trustedPublisherId: match.id,
  });
  detail.token = minted.id;
  detail.user = owner.name;
  detail.expiresAt = minted.expiresAt;
  return { ...minted, trustedPublisher: match.id };
}
