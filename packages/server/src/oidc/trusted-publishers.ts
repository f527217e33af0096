import { and, eq } from 'drizzle-orm';
import { InputError, parseTrustedPublisher, type TrustedPublisherInput } from '@unjucks/core';
import { authorize, authorizeRead, isPrivateSql } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import type { Db } from '../db/database.js';
import { packages, trustedPublishers, users } from '../db/schema.js';
import type { RegistryContext } from '../registry/context.js';
import { findPackage } from '../registry/lookup.js';
import { loadOidcSettings, type OidcSettings } from './issuers.js';

const defaults = loadOidcSettings({});
/** The context's OIDC settings; a context built without them accepts the built-in issuers. */
export const oidcOf = (ctx: RegistryContext): OidcSettings => ctx.oidc ?? defaults;

async function packageHead(db: Db, name: string) {
  const pkg = await findPackage(db, name);
  const [row] = await db.select({ private: isPrivateSql }).from(packages).where(eq(packages.id, pkg.id));
  return { id: pkg.id, private: !!row?.private };
}

type Row = typeof trustedPublishers.$inferSelect;
const view = (name: string, r: Row, createdBy: string | null) => ({
  id: r.id,
  package: name,
  issuer: r.issuer,
  repository: r.repository,
  repositoryOwnerId: r.repositoryOwnerId,
  workflow: r.workflow,
  environment: r.environment,
  createdBy,
  createdAt: r.createdAt.toISOString(),
});

/** The package's trusted publishers; owners only (a private package reads as missing to outsiders). */
export async function listTrustedPublishers(ctx: RegistryContext, actor: Actor | null, name: string) {
  const pkg = await packageHead(ctx.db, name);
  await authorizeRead(ctx.db, actor, name, pkg);
  await authorize(ctx.db, actor, 'owners', name, pkg);
  const rows = await ctx.db
    .select({ t: trustedPublishers, by: users.name })
    .from(trustedPublishers)
    .leftJoin(users, eq(users.id, trustedPublishers.createdBy))
    .where(eq(trustedPublishers.packageId, pkg.id))
    .orderBy(trustedPublishers.id);
  return { name, trustedPublishers: rows.map((r) => view(name, r.t, r.by)) };
}

/** Whether two entries name the same CI identity (adding one twice is a conflict; an import skips it). */
export const samePublisher = (a: TrustedPublisherInput, b: TrustedPublisherInput) =>
  a.issuer === b.issuer &&
  a.repository === b.repository &&
  a.repositoryOwnerId === b.repositoryOwnerId &&
  a.workflow === b.workflow &&
  (a.environment ?? null) === b.environment;

/**
 * Adds a trusted publisher. The tokens it mints belong to the owner adding it, so that owner's
 * role on the package is what a CI job publishes with, and losing it stops the job too.
 */
export async function addTrustedPublisher(
  ctx: RegistryContext,
  actor: Actor | null,
  name: string,
  body: Partial<Record<keyof TrustedPublisherInput, unknown>>,
) {
  const pkg = await packageHead(ctx.db, name);
  const { actor: a } = await authorize(ctx.db, actor, 'owners', name, pkg);
  const input = parseTrustedPublisher(body);
  const { issuers } = oidcOf(ctx);
  if (!issuers.some((i) => i.issuer === input.issuer))
    throw new InputError(
      `issuer ${input.issuer} is not one this registry accepts (${issuers.map((i) => i.issuer).join(', ')}); an operator adds issuers with OIDC_ISSUERS`,
    );
  const existing = await ctx.db.select().from(trustedPublishers).where(eq(trustedPublishers.packageId, pkg.id));
  const dup = existing.find((r) => samePublisher(input, r));
  if (dup) throw new InputError(`${name} already trusts this publisher (id ${dup.id})`, 'conflict');
  const [row] = await ctx.db
    .insert(trustedPublishers)
    .values({ packageId: pkg.id, ...input, environment: input.environment ?? null, createdBy: a.userId })
    .returning();
  return view(name, row!, a.userName);
}

/** Removes a trusted publisher; the tokens it minted go with it (tokens.trusted_publisher_id cascades). */
export async function removeTrustedPublisher(ctx: RegistryContext, actor: Actor | null, name: string, id: string) {
  const pkg = await packageHead(ctx.db, name);
  await authorize(ctx.db, actor, 'owners', name, pkg);
  const n = /^\d{1,9}$/.test(id) ? Number(id) : NaN;
  const gone = Number.isNaN(n)
    ? []
    : await ctx.db
        .delete(trustedPublishers)
        .where(and(eq(trustedPublishers.id, n), eq(trustedPublishers.packageId, pkg.id)))
        .returning();
  if (!gone.length) throw new InputError(`${name} has no trusted publisher ${id}; see unjucks trust ls ${name}`, 'not_found');
  return { name, id: n, removed: true };
}
