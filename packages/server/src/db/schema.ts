import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import type { Manifest, ValidationReport } from '@unjucks/core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  isAdmin: boolean('is_admin').notNull().default(false),
  createdAt: createdAt(),
});

/** Token signing keys. Old keys stay to verify the tokens they signed until those expire. */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateJwk: jsonb('private_jwk').notNull(),
  createdAt: createdAt(),
});

/** Every token has a row, so revocation is one UPDATE and takes effect on every replica. */
export const tokens = pgTable('tokens', {
  jti: text('jti').primaryKey(),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  role: text('role').notNull(),
  label: text('label'),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const packages = pgTable('packages', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** Lowercase without . - _ : a new name may not collide with another owner's on this. */
  canonicalName: text('canonical_name'),
  createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  modifiedAt: timestamp('modified_at', { withTimezone: true }).notNull().defaultNow(),
  /**
   * Bumped in the same transaction as every change to the package, its versions or its tags.
   * Readers compare it to what they cached, so every replica serves fresh data with one lookup.
   */
  revision: integer('revision').notNull().default(0),
}, (t) => [index('packages_canonical_name_idx').on(t.canonicalName)]);

/**
 * One row per version ever published. A removed version keeps its row (removed_at set), so the
 * unique constraint also stops the number from being reused.
 */
export const versions = pgTable(
  'versions',
  {
    id: serial('id').primaryKey(),
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
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
  },
  (t) => [unique('versions_package_version_unique').on(t.packageId, t.version), index('versions_blob_key_idx').on(t.blobKey)],
);

export const distTags = pgTable(
  'dist_tags',
  {
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
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
    packageId: integer('package_id').notNull().references(() => packages.id, { onDelete: 'cascade' }),
    day: date('day').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.day] })],
);
