import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import type { AccessRole, Manifest, ReviewDecision, TokenAction, ValidationReport, VersionStatus, Visibility } from '@unjucks/core';
import type { Sealed } from '../auth/seal.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  isAdmin: boolean('is_admin').notNull().default(false),
  /** scrypt, see auth/password.ts; null: the user signs in with tokens only. */
  passwordHash: text('password_hash'),
  createdAt: createdAt(),
});

/**
 * Token signing keys. Old keys stay to verify the tokens they signed until those expire. The
 * private key is sealed (AES-256-GCM, see auth/seal.ts) with a secret that is not in the database.
 */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateJwk: jsonb('private_jwk').notNull(),
  createdAt: createdAt(),
});

/** Every token has a row, so revocation is one UPDATE and takes effect on every replica. */
export const tokens = pgTable(
  'tokens',
  {
    jti: text('jti').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: text('label'),
    actions: jsonb('actions').$type<TokenAction[]>().notNull(),
    /** Package patterns the token is limited to; null: every package its user may act on. */
    packages: jsonb('packages').$type<string[] | null>(),
    /** Addresses the token may be used from; null: anywhere. */
    cidr: jsonb('cidr').$type<string[] | null>(),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastUsedIp: text('last_used_ip'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /**
     * Set on tokens minted by POST /api/v1/oidc/exchange: the trusted publisher whose CI job asked
     * for it. Removing the trusted publisher deletes its tokens, so they stop working at once.
     */
    trustedPublisherId: integer('trusted_publisher_id').references((): AnyPgColumn => trustedPublishers.id, { onDelete: 'cascade' }),
  },
  (t) => [index('tokens_user_idx').on(t.userId)],
);

/** An org owns the scope of its name: `acme` owns `@acme/*`. */
export const orgs = pgTable(
  'orgs',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull().unique(),
    /** Visibility of the org's packages that do not set their own. */
    defaultVisibility: text('default_visibility').$type<Visibility>().notNull().default('public'),
    /** Approvals every new version of the org's packages needs before it goes live (0: none); see registry/review.ts. */
    requiredApprovals: integer('required_approvals').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [check('orgs_required_approvals_range', sql`${t.requiredApprovals} between 0 and 10`)],
);

export const orgMembers = pgTable(
  'org_members',
  {
    orgId: integer('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<AccessRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('org_members_user_idx').on(t.userId)],
);

/**
 * Joining an org is by consent: an owner invites, the user accepts (becoming a member with the
 * role) or declines (the row goes). Until then the invitee holds no rights in the org.
 */
export const orgInvitations = pgTable(
  'org_invitations',
  {
    orgId: integer('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<AccessRole>().notNull(),
    invitedBy: integer('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('org_invitations_user_idx').on(t.userId)],
);

export const teams = pgTable(
  'teams',
  {
    id: serial('id').primaryKey(),
    orgId: integer('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('teams_org_name_unique').on(t.orgId, t.name)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.userId)],
);

/**
 * A role for a user or a team on one package, or for a team on a whole scope (org). Exactly one
 * target and one grantee are set; deleting any of them deletes the grant.
 */
export const grants = pgTable(
  'grants',
  {
    id: serial('id').primaryKey(),
    packageId: integer('package_id').references(() => packages.id, { onDelete: 'cascade' }),
    orgId: integer('org_id').references(() => orgs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    teamId: integer('team_id').references(() => teams.id, { onDelete: 'cascade' }),
    role: text('role').$type<AccessRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('grants_target_grantee_unique').on(t.packageId, t.orgId, t.userId, t.teamId).nullsNotDistinct(),
    check('grants_one_target', sql`(${t.packageId} is null) <> (${t.orgId} is null)`),
    check('grants_one_grantee', sql`(${t.userId} is null) <> (${t.teamId} is null)`),
    index('grants_user_idx').on(t.userId),
    index('grants_team_idx').on(t.teamId),
  ],
);

/**
 * Append-only (a trigger refuses UPDATE and DELETE): one row per write attempt, failed ones
 * included. Names are copied in, so a record outlives the user or package it mentions.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor'),
    tokenId: text('token_id'),
    ip: text('ip'),
    action: text('action').notNull(),
    target: text('target'),
    /** The org the target belongs to, so org owners can read their own records. */
    org: text('org'),
    outcome: text('outcome').$type<'ok' | 'denied' | 'failed'>().notNull(),
    status: integer('status').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_org_idx').on(t.org, t.id),
    index('audit_log_actor_idx').on(t.actor, t.id),
    // Password attempts are counted per address too (see access/password-check.ts).
    index('audit_log_ip_idx').on(t.ip, t.id),
  ],
);

export const packages = pgTable(
  'packages',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull().unique(),
    /** Lowercase without . - _ : a new name may not collide with another owner's on this. */
    canonicalName: text('canonical_name'),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** null: the org's default (public for unscoped packages). */
    visibility: text('visibility').$type<Visibility>(),
    createdAt: createdAt(),
    modifiedAt: timestamp('modified_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Bumped in the same transaction as every change to the package, its versions or its tags.
     * Readers compare it to what they cached, so every replica serves fresh data with one lookup.
     */
    revision: integer('revision').notNull().default(0),
    /** Approvals a new version needs before it goes live; the package's org may ask for more (the higher wins). */
    requiredApprovals: integer('required_approvals').notNull().default(0),
  },
  (t) => [index('packages_canonical_name_idx').on(t.canonicalName), check('packages_required_approvals_range', sql`${t.requiredApprovals} between 0 and 10`)],
);

/**
 * One row per version ever published. A removed version keeps its row (removed_at set), so the
 * unique constraint also stops the number from being reused.
 */
export const versions = pgTable(
  'versions',
  {
    id: serial('id').primaryKey(),
    packageId: integer('package_id')
      .notNull()
      .references(() => packages.id, { onDelete: 'cascade' }),
    version: text('version').notNull(),
    manifest: jsonb('manifest').$type<Manifest>().notNull(),
    readme: text('readme'),
    integrity: text('integrity').notNull(),
    shasum: text('shasum').notNull(),
    size: integer('size').notNull(),
    fileCount: integer('file_count').notNull(),
    unpackedSize: integer('unpacked_size').notNull(),
    blobKey: text('blob_key').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
    publishedBy: integer('published_by').references(() => users.id, { onDelete: 'set null' }),
    deprecated: text('deprecated'),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    /** The validator's report at publish time: findings, capabilities, quality, templates. */
    report: jsonb('report').$type<ValidationReport>(),
    /** A Sigstore bundle sent with the publish (npm publish --provenance), stored as a blob. */
    provenanceBlobKey: text('provenance_blob_key'),
    /**
     * live: installable. staged: stored and validated, waiting for approvals; only the package's
     * maintainers see it. rejected: refused by a maintainer, out for good (its number stays taken).
     */
    status: text('status').$type<VersionStatus>().notNull().default('live'),
  },
  (t) => [
    unique('versions_package_version_unique').on(t.packageId, t.version),
    index('versions_blob_key_idx').on(t.blobKey),
    check('versions_status_known', sql`${t.status} in ('live', 'staged', 'rejected')`),
  ],
);

/**
 * One maintainer's decision on a staged version. At most one per person and version; names are
 * copied in so the record outlives the account.
 */
export const versionApprovals = pgTable(
  'version_approvals',
  {
    id: serial('id').primaryKey(),
    versionId: integer('version_id')
      .notNull()
      .references(() => versions.id, { onDelete: 'cascade' }),
    approverId: integer('approver_id').references(() => users.id, { onDelete: 'set null' }),
    approverName: text('approver_name').notNull(),
    decision: text('decision').$type<ReviewDecision>().notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('version_approvals_one_per_approver').on(t.versionId, t.approverId),
    check('version_approvals_decision_known', sql`${t.decision} in ('approve', 'reject')`),
  ],
);

export const distTags = pgTable(
  'dist_tags',
  {
    packageId: integer('package_id')
      .notNull()
      .references(() => packages.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    version: text('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.tag] })],
);

/** Downloads per package per day, written in batches (never one write per download). */
export const downloads = pgTable(
  'downloads',
  {
    packageId: integer('package_id')
      .notNull()
      .references(() => packages.id, { onDelete: 'cascade' }),
    day: date('day').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.day] })],
);

/**
 * A signed-in browser (see web/session.ts). The cookie holds a random secret; the row holds its
 * hash, so a database read does not yield live cookies. Each session acts through its own token
 * row: revoking that token, or logging out, ends the session on every replica at once.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    tokenJti: text('token_jti')
      .notNull()
      .references(() => tokens.jti, { onDelete: 'cascade' }),
    /** The synchronizer token every form of this session carries. */
    csrf: text('csrf').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('web_sessions_token_idx').on(t.tokenJti)],
);

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * Each package's search document, written in the transaction of every change to the package
 * (see search/store.ts): replicas load their index from these rows, and above
 * SEARCH_MEMORY_MAX_PACKAGES the registry searches them in place. `tsv` weighs name (A) ≫
 * generator/template names and keywords (B) ≫ descriptions (C) ≫ variables and README (D);
 * `name_words` carries a trigram index for typos in names. GIN indexes are in the migration.
 */
export const searchDocuments = pgTable('search_documents', {
  packageId: integer('package_id')
    .primaryKey()
    .references(() => packages.id, { onDelete: 'cascade' }),
  /** The package revision the document was derived from; start-up backfills rows behind it. */
  revision: integer('revision').notNull(),
  name: text('name').notNull(),
  scope: text('scope'),
  private: boolean('private').notNull(),
  deprecated: boolean('deprecated').notNull(),
  quality: integer('quality').notNull(),
  /** Downloads over the last 30 days, refreshed when download counts are flushed. */
  downloads: integer('downloads').notNull().default(0),
  keywords: text('keywords').array().notNull(),
  maintainers: text('maintainers').array().notNull(),
  capabilities: text('capabilities').array().notNull(),
  /** Generator names and generator/template pairs, lowercased, for `generator:`. */
  generators: text('generators').array().notNull(),
  nameWords: text('name_words').notNull(),
  doc: jsonb('doc').notNull(),
  tsv: tsvector('tsv').notNull(),
});

const bytea = customType<{ data: Uint8Array }>({ dataType: () => 'bytea' });

/**
 * Rendered metadata documents, shared by every replica (registry/stored-documents.ts): a cold read
 * of a package no replica holds in memory takes its document from here in one indexed row, instead
 * of loading every version's row and rendering them. A row serves only while its revision is the
 * package's and it was made by the same rendering for the same public URL (made_for).
 * No foreign key to packages: its check would lock the package's row from every write-back,
 * which could then deadlock with a write to the package (an org rename locks them in its own
 * order); the read joins on the id and revision anyway, and packages are never deleted.
 */
export const packageDocuments = pgTable(
  'package_documents',
  {
    packageId: integer('package_id').notNull(),
    /** Which document: `npm:corgi`, `npm:full` or `package` (the native API's). */
    kind: text('kind').notNull(),
    revision: integer('revision').notNull(),
    madeFor: text('made_for').notNull(),
    /** The ETag of the document's bytes as rendered (uncompressed), as the replica that made it sends it. */
    etag: text('etag').notNull(),
    /** The document gzipped: sent as it is to clients that take gzip (npm, pnpm and yarn do). */
    gzip: bytea('gzip').notNull(),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.kind] })],
);

/** Words of names, generators and keywords, for typo correction by trigram similarity. */
export const searchTerms = pgTable('search_terms', {
  term: text('term').primaryKey(),
});

/**
 * CI jobs a package's owners trust to publish it (README: "Trusted publishing"). A job's OIDC ID
 * token is matched on every field; the token minted belongs to the owner who added the row.
 */
export const trustedPublishers = pgTable(
  'trusted_publishers',
  {
    id: serial('id').primaryKey(),
    packageId: integer('package_id')
      .notNull()
      .references(() => packages.id, { onDelete: 'cascade' }),
    /** The issuer's URL, exactly as its tokens' `iss`. */
    issuer: text('issuer').notNull(),
    repository: text('repository').notNull(),
    /** Ids, unlike names, are never given to someone else when an account is deleted or renamed. */
    repositoryOwnerId: text('repository_owner_id').notNull(),
    /** A workflow file name or path, optionally with @ref (see workflowMatches in @unjucks/core). */
    workflow: text('workflow').notNull(),
    /** null: any environment (or none). */
    environment: text('environment'),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('trusted_publishers_package_idx').on(t.packageId), index('trusted_publishers_match_idx').on(t.issuer, t.repositoryOwnerId)],
);

/**
 * ID token ids already exchanged, until the token would have expired anyway: a replayed token is
 * refused on every replica, since they share this table.
 */
export const oidcUsedJtis = pgTable(
  'oidc_used_jtis',
  {
    issuer: text('issuer').notNull(),
    jti: text('jti').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.jti] }), index('oidc_used_jtis_expires_idx').on(t.expiresAt)],
);

/**
 * Webhook subscriptions (README: "Webhooks"). `target_kind` + `target` name what is watched: an
 * org, one package, or a name pattern. The secret signs every delivery; it is sealed like the
 * signing keys (auth/seal.ts), as HMAC needs it back in the clear and a hash would not do.
 */
export const hookSubscriptions = pgTable(
  'hook_subscriptions',
  {
    id: serial('id').primaryKey(),
    targetKind: text('target_kind').$type<'org' | 'package' | 'pattern'>().notNull(),
    target: text('target').notNull(),
    events: jsonb('events').$type<string[]>().notNull(),
    url: text('url').notNull(),
    format: text('format').$type<'json' | 'slack'>().notNull().default('json'),
    secret: jsonb('secret').$type<Sealed>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    disabledReason: text('disabled_reason'),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('hook_subscriptions_target_idx').on(t.targetKind, t.target)],
);

/**
 * The transactional outbox: one row per event, written in the transaction of the change, so an
 * event exists exactly when its change committed. A worker fans each event out into deliveries
 * once (`fanned_out_at`); `subscription_id` is set for pings, which go to that one subscription.
 */
export const hookEvents = pgTable(
  'hook_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor'),
    package: text('package'),
    version: text('version'),
    org: text('org'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    subscriptionId: integer('subscription_id').references(() => hookSubscriptions.id, { onDelete: 'cascade' }),
    fannedOutAt: timestamp('fanned_out_at', { withTimezone: true }),
  },
  (t) => [index('hook_events_pending_idx').on(t.at).where(sql`${t.fannedOutAt} is null`)],
);

/**
 * One event for one subscription. A worker claims due rows with FOR UPDATE SKIP LOCKED and moves
 * `next_attempt_at` past its lease before sending, so one replica makes each attempt; a replica
 * that dies mid-attempt leaves the row to be retried when the lease ends (at least once).
 */
export const hookDeliveries = pgTable(
  'hook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: text('event_id')
      .notNull()
      .references(() => hookEvents.id, { onDelete: 'cascade' }),
    subscriptionId: integer('subscription_id')
      .notNull()
      .references(() => hookSubscriptions.id, { onDelete: 'cascade' }),
    status: text('status').$type<'pending' | 'delivered' | 'failed'>().notNull().default('pending'),
    /** Attempts since the delivery was (re)queued: drives the backoff and the retry limit. */
    tries: integer('tries').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    index('hook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('hook_deliveries_subscription_idx').on(t.subscriptionId, t.id),
  ],
);

/** Every attempt of a delivery, failed ones included: what the owner reads to debug a receiver. */
export const hookAttempts = pgTable(
  'hook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => hookDeliveries.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    ok: boolean('ok').notNull(),
    durationMs: integer('duration_ms').notNull(),
    responseCode: integer('response_code'),
    responseStart: text('response_start'),
    error: text('error'),
  },
  (t) => [index('hook_attempts_delivery_idx').on(t.deliveryId)],
);
