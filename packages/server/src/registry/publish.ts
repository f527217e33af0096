import { createHash } from 'node:crypto';
import { and, eq, ne, sql } from 'drizzle-orm';
import {
  assertNewName,
  isInputError,
  type PackageLimits,
  canonicalName,
  effectiveApprovals,
  InputError,
  movesLatest,
  scopeOf,
  tagProblem,
  type Manifest,
  type PublishResult,
  type ValidationReport,
} from '@unjucks/core';
import { appendFinding, type RuleId } from '@unjucks/validate';
import { collectUpload, readUpload, type Upload } from '../validate-pool/index.js';
import type { Config } from '../config.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ArchiveFacts } from '@unjucks/validate';
import type { Actor } from '../auth/tokens.js';
import { pgErrorCode, UNIQUE_VIOLATION, type Db } from '../db/database.js';
import { packages, versions } from '../db/schema.js';
import { columnList, rawRows, rowDecoder } from '../db/raw.js';
import { blobKeyFor } from '../storage/blob-store.js';
import type { RegistryContext } from './context.js';
import { decodePackage, lockPackageByName, tagsOf, tagsOfName, touchPackage } from './lookup.js';
import { unresolvedDependencies } from './dependency-check.js';
import { onReleaseTransition } from './release-events.js';
import { orgApprovals } from './reviewers.js';
import { assertTokenAllows, authorize, requireActor } from '../access/rights.js';
import { claimScope } from '../access/orgs.js';
import { grants } from '../db/schema.js';
import { emitEvent } from '../hooks/emit.js';
import { PhaseTimer } from './phase-timer.js';
import { newWriteId, withPublished, type StoredVersionRow } from './snapshot.js';

export interface PublishOutcome {
  /** 201 for a new version, 200 for an identical retry of a live one. */
  status: 200 | 201;
  result: PublishResult;
  /** Where the time went, as a `Server-Timing` header value (read, validate, checks, blob, tx, ...). */
  timing: string;
  /** This replica heard the commit's notice: its caches know of the version (no barrier needed). */
  heard?: boolean;
}

export interface PublishOptions {
  tag?: string;
  /** The name and version the request names (npm's document): the tarball's manifest must say the same. */
  expect?: { name: string; version: string };
  /** A Sigstore bundle to keep with the new version. */
  provenance?: Uint8Array;
}

/**
 * What storing a version needs, and nothing of a replica's caches: plain settings and two handles,
 * so that a publish worker (publish-pool/) builds its own from the configuration.
 */
export interface PublishEnv {
  db: Db;
  store: BlobStore;
  limits: PackageLimits;
  validation: Config['validation'];
}

/** What the replica serving a publish hears of it while the version is being stored. */
export interface PublishEvents {
  /** The manifest was read: the request now names a package (its audit entry, its log line). */
  manifest(name: string, version: string): void;
  /**
   * In the transaction, before it commits: the version as it will be stored, so that the replica
   * installs the package's next snapshot when the commit's notice comes, without reloading it.
   */
  committing(c: Committing): void;
}

export interface Committing {
  name: string;
  /** The package's revision under the row lock, and its row as the touch left it. */
  locked: number;
  touched: typeof packages.$inferSelect;
  inserted: StoredVersionRow;
  tags: Record<string, string>;
}

/** A version stored (201), or found already stored with the same bytes (200). */
export interface Stored {
  status: 200 | 201;
  result: PublishResult;
  /** The phases' wall times in ms, in order (PhaseTimer.phases). */
  phases: [string, number][];
  /** The package written (201 only): the replica's read-your-writes start from it. */
  packageId: number | null;
}

class VersionTaken extends Error {}

/** The upload as a publish uses it: what the reader found, and the bytes to store. */
type Archive = ArchiveFacts & { tarball: Buffer };

const UNUSABLE_MANIFEST = new Set(['manifest/missing', 'manifest/json', 'manifest/invalid', 'manifest/name-non-ascii']);

function refuse(report: ValidationReport): never {
  const first = report.findings.find((f) => f.severity === 'error')!;
  throw new InputError(
    `the package failed validation with ${report.errors} error(s); the first: ${first.rule}${first.file ? ` in ${first.file}` : ''}: ${first.message}. See "report" for all findings and how to fix them`,
    'validation_failed',
    { report },
  );
}

/** Counts a refused publish and the rules that refused it (the error refuse threw, wherever it ran). */
function countRefusal(ctx: RegistryContext, e: unknown) {
  if (!isInputError(e) || e.code !== 'validation_failed') return;
  ctx.metrics.publishes.inc({ result: 'rejected' });
  const report = e.details.report as ValidationReport;
  for (const f of report.findings) if (f.severity === 'error') ctx.metrics.rejections.inc({ rule: f.rule });
}

/**
 * Publishes a tarball. The body is collected here; then the version is stored (storeVersion) in a
 * publish worker when the replica has them (publish-pool/: its database and storage work, and the
 * validation, then cost this event loop nothing), else on this thread. Once it committed, this
 * replica's search index and snapshot learn of it before the answer goes out (read-your-writes).
 */
export async function publish(
  ctx: RegistryContext,
  actor: Actor | null,
  body: AsyncIterable<Uint8Array>,
  opts: PublishOptions & { onManifest?: (name: string, version: string) => void } = {},
): Promise<PublishOutcome> {
  const timer = new PhaseTimer();
  const publisher = requireActor(actor, 'publishing');
  if (opts.tag !== undefined) {
    const problem = tagProblem(opts.tag);
    if (problem) throw new InputError(`invalid tag: ${problem}`);
  }
  // A token that can never publish is refused before the upload is read.
  if (!publisher.actions.includes('publish:new')) assertTokenAllows(publisher, 'publish:update', null);
  const upload = await collectUpload(body, ctx.limits);
  timer.mark('read');
  const write = newWriteId();
  // Asked before the commit: the notice may be heard before the commit's answer comes back.
  const hearing = ctx.changes?.hearing(write);
  const events: PublishEvents = {
    manifest: (name, version) => opts.onManifest?.(name, version),
    committing: (c) => {
      // Readers here move to the new snapshot when this commit's notice is heard, with no reload.
      const next = withPublished(ctx.cache.lastKnown(c.name), c.locked, c.touched, c.inserted, c.tags);
      if (next) ctx.cache.expect(write, next);
    },
  };
  // Without onManifest: a function, which does not cross to a worker.
  const storeOpts: PublishOptions = { tag: opts.tag, expect: opts.expect, provenance: opts.provenance };
  let stored: Stored;
  try {
    stored = ctx.publishPool
      ? await ctx.publishPool.run(publisher, upload, storeOpts, write, events)
      : await storeVersion(ctx, publisher, upload, storeOpts, write, events);
  } catch (e) {
    ctx.cache.forget(write);
    hearing?.cancel();
    countRefusal(ctx, e);
    throw e;
  }
  timer.include(stored.phases);
  if (stored.packageId === null) {
    ctx.cache.forget(write);
    hearing?.cancel();
    ctx.metrics.publishes.inc({ result: 'retry' });
    return { status: stored.status, result: stored.result, timing: timer.header() };
  }
  await ctx.afterChange(stored.packageId, write);
  timer.mark('after-change');
  // Heard by now nearly always (it comes as the commit does): the snapshot above is installed.
  const heard = (await hearing?.wait()) ?? false;
  timer.mark('heard');
  ctx.metrics.publishes.inc({ result: 'created' });
  return { status: stored.status, result: stored.result, timing: timer.header(), heard };
}

/**
 * Stores a version. The bytes are unpacked and validated; a package with any error is refused with
 * its report before anything is stored. Then the blob is stored under its content hash, and one
 * transaction inserts the version, guarded by the unique constraint on (package, version). A
 * refused or losing publish leaves no version row behind. It uses only `env`, and tells the
 * replica what it needs through `events`: it runs as well in a publish worker as on the event loop.
 */
export async function storeVersion(
  env: PublishEnv,
  publisher: Actor,
  upload: Upload,
  opts: PublishOptions,
  write: string,
  events: PublishEvents,
): Promise<Stored> {
  const timer = new PhaseTimer();
  // Unpacked, hashed and validated in a worker thread (VALIDATE_THREADS) unless this is one: this
  // thread only sees the bytes go out and the archive's facts and the report come back, so reads
  // on this replica go on meanwhile, and so do this publish's database checks, which only read and
  // need only the manifest's name. Their outcome is acted on in the same order as before: an
  // unusable manifest, then `expect`, then permission, immutability, and the checks' findings.
  const reading = readUpload(
    upload,
    env.limits,
    { supportedUnjucks: env.validation.supportedUnjucks ?? undefined, refuseCapabilities: env.validation.refuseCapabilities },
    env.validation.threads ?? 0,
  );
  const archive: Archive = { ...(await reading.archive), tarball: upload.tarball };
  timer.mark('read');
  const early = parsedManifest(archive);
  const checking = early && settle(checkPublish(env.db, publisher, archive, early));
  let report = await reading.report;
  timer.mark('validate');
  // Without a valid manifest there is no name to check permissions against: refuse now.
  if (archive.manifest === null || report.findings.some((f) => UNUSABLE_MANIFEST.has(f.rule))) refuse(report);
  const manifest = early ?? (JSON.parse(archive.manifest) as Manifest);
  const { name } = manifest;
  events.manifest(name, manifest.version);
  if (opts.expect && (manifest.name !== opts.expect.name || manifest.version !== opts.expect.version))
    throw new InputError(
      `the tarball's package.json is ${manifest.name}@${manifest.version}, but the document publishes ${opts.expect.name}@${opts.expect.version}`,
    );

  const { existing, orgMissing, retry, findings } = unsettle(await (checking ?? settle(checkPublish(env.db, publisher, archive, manifest))));
  if (retry) {
    timer.mark('checks');
    return { ...retry, phases: timer.phases(), packageId: null };
  }
  for (const [rule, message] of findings) report = appendFinding(report, rule, message, { file: 'package.json' });
  if (!report.ok) refuse(report);
  timer.mark('checks');

  const blobKey = blobKeyFor(archive.sha512hex);
  const provenanceBlobKey = opts.provenance ? blobKeyFor(createHash('sha512').update(opts.provenance).digest('hex')) : null;
  // Stored while the transaction runs, and awaited before it commits: a version row never
  // commits without its blobs, and a failed store rolls the version back.
  const storing = settle(
    timer.time('blob', async () => {
      await env.store.put(blobKey, archive.tarball);
      if (opts.provenance && provenanceBlobKey) await env.store.put(provenanceBlobKey, Buffer.from(opts.provenance));
    }),
  );

  let tags: Record<string, string>;
  let packageId = 0;
  let staged = 0;
  try {
    tags = await env.db.transaction(async (tx) => {
      // Row lock first: publishes of one package serialize here, so `latest` moves in version order.
      // The two reads that need only the name go with it (one round trip): the connection runs
      // them after the lock is taken, each on a snapshot taken then, so they see what the previous
      // holder of the lock committed. The org's approvals setting and the current tags:
      const lockAndRead = () => Promise.all([lockPackageByName(tx, name), orgApprovals(tx, name), tagsOfName(tx, name)]);
      let [row, orgSetting, current] = await lockAndRead();
      let created = false;
      if (!row) {
        // A new name (or one being created concurrently: the insert waits for that transaction).
        const inserted = await tx
          .insert(packages)
          .values({ name, canonicalName: canonicalName(name), createdBy: publisher.userId })
          .onConflictDoNothing()
          .returning({ id: packages.id });
        created = inserted.length > 0;
        [row, orgSetting, current] = await lockAndRead();
      }
      if (created) {
        // The creator of an unscoped package owns it; a scoped one belongs to its org.
        const scope = scopeOf(name);
        if (scope !== null) {
          if (orgMissing) {
            await claimScope(tx, scope, publisher.userId);
            // The org is ours, or one created meanwhile by someone else, whose setting counts.
            orgSetting = await orgApprovals(tx, name);
          }
        } else await tx.insert(grants).values({ packageId: row!.id, userId: publisher.userId, role: 'owner' });
      } else if (!existing) {
        // Someone else created it between our check and this transaction: it is theirs now.
        await authorize(tx, publisher, 'publish:update', name, row!);
      }
      // Reviewed releases: with approvals required, the version is stored staged, untagged and unseen.
      const required = effectiveApprovals(orgSetting, row!.requiredApprovals);
      if (required > 0 && opts.tag && opts.tag !== 'latest')
        throw new InputError(
          `${name} requires ${required} approval(s) before a version goes live, and a staged version cannot be tagged; publish without --tag ${opts.tag} and set the tag once ${manifest.version} is approved`,
          'conflict',
        );
      // `latest` moves when a staged version is approved (registry/review.ts), not now.
      const setTag = required > 0 ? null : (opts.tag ?? (movesLatest(manifest.version, current.latest ?? null) ? 'latest' : null));
      if (setTag) current[setTag] = manifest.version;
      staged = required;
      // The writes go out together (one round trip, then the touch's search document writes): the
      // transaction's connection runs them in the order they reach it. The two inserts are sent
      // first (rawRows sends at once), before touchPackage starts its search document's reads,
      // so those see the version and its tag. A version number already taken inserts nothing,
      // and the whole transaction rolls back. Templates, not the query builder (db/raw.ts): these
      // run on every publish.
      const inserting = rawRows(
        tx,
        sql`insert into versions (package_id, version, manifest, readme, integrity, shasum, size, file_count, unpacked_size, blob_key, published_by, provenance_blob_key, report, status)
          values (${row!.id}, ${manifest.version}, ${JSON.stringify(manifest)}, ${archive.readme}, ${archive.integrity}, ${archive.shasum}, ${archive.size}, ${archive.fileCount},
            ${archive.unpackedSize}, ${blobKey}, ${publisher.userId}, ${provenanceBlobKey}, ${JSON.stringify(report)}, ${required > 0 ? 'staged' : 'live'})
          on conflict (package_id, version) do nothing
          returning ${VERSION_COLUMNS}, (select u.name from users u where u.id = versions.published_by) as publisher_name`,
        // The row as stored (JSON columns as Postgres gives them back), for the replica's next snapshot.
      ).then((rows) => rows.map((r): StoredVersionRow => ({ ...decodeVersion(r), publisherName: r.publisher_name as string | null })));
      const tagging =
        setTag &&
        rawRows(
          tx,
          sql`insert into dist_tags (package_id, tag, version) values (${row!.id}, ${setTag}, ${manifest.version})
          on conflict (package_id, tag) do update set version = ${manifest.version}, updated_at = now()`,
        );
      const touching = timer.time('tx-touch', () => touchPackage(tx, row!.id, required === 0, write));
      // In this transaction: a publish that rolls back announces nothing. A staged version is
      // announced as staged, and as published only when it goes live (registry/review.ts).
      const announcing =
        required > 0
          ? onReleaseTransition(tx, {
              kind: 'staged',
              packageId: row!.id,
              name,
              version: manifest.version,
              actor: publisher.userName,
              requiredApprovals: required,
            })
          : emitEvent(tx, {
              type: 'version.published',
              actor: publisher.userName,
              package: name,
              version: manifest.version,
              data: { tag: setTag, 'dist-tags': current, integrity: archive.integrity, created },
            });
      const [inserted, , touched] = await Promise.all([inserting, tagging, touching, announcing]);
      if (inserted.length === 0) throw new VersionTaken();
      unsettle(await storing);
      packageId = row!.id;
      if (!created && touched) events.committing({ name, locked: row!.revision, touched, inserted: inserted[0]!, tags: current });
      return current;
    });
  } catch (e) {
    // A transaction that failed before it waited for the blobs: their outcome is not needed.
    await storing;
    if (!(e instanceof VersionTaken) && pgErrorCode(e) !== UNIQUE_VIOLATION) throw e;
    // Lost a race: someone else published this version between our check and our insert.
    const [row] = await env.db.select().from(packages).where(eq(packages.name, name));
    const retry = row && (await identicalRetry(env.db, row.id, archive, manifest));
    if (retry) return { ...retry, phases: timer.phases(), packageId: null };
    throw e;
  }
  timer.mark('tx');
  const review = staged > 0 ? { status: 'staged' as const, requiredApprovals: staged } : { status: 'live' as const };
  return {
    status: 201,
    result: { ...summary(archive, manifest, report), created: true, 'dist-tags': tags, ...review },
    phases: timer.phases(),
    packageId,
  };
}

/** package.json as an object with a name and a version, or null (validation then says what is wrong). */
function parsedManifest(archive: Archive): Manifest | null {
  try {
    const m = archive.manifest !== null && (JSON.parse(archive.manifest) as Manifest);
    return m && typeof m === 'object' && typeof m.name === 'string' && typeof m.version === 'string' ? m : null;
  } catch {
    return null;
  }
}

type Settled<T> = { value: T } | { error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
const unsettle = <T>(s: Settled<T>): T => {
  if ('error' in s) throw s.error;
  return s.value;
};

/**
 * The reads a publish makes before storing anything: permission first (npm's rules for new names
 * bind new packages only), then immutability (an identical retry, or a 409), then the findings that
 * need the database (a name too similar to another owner's, unresolved dependencies).
 */
async function checkPublish(db: Db, publisher: Actor, archive: Archive, manifest: Manifest) {
  const { name } = manifest;
  // One round trip: the package and the version being published, which is acted on only once
  // the permission check passed.
  const [found] = await rawRows(
    db,
    sql`select ${CHECKED_PACKAGE_COLUMNS}, v.integrity as v_integrity, v.removed_at as v_removed_at, v.report as v_report, v.status as v_status
      from packages p left join versions v on v.package_id = p.id and v.version = ${manifest.version}
      where p.name = ${name}`,
  );
  const existing = found && decodePackage(found);
  if (!existing) assertNewName(name);
  const { orgMissing } = await authorize(db, publisher, existing ? 'publish:update' : 'publish:new', name, existing ?? null);
  const findings: [RuleId, string][] = [];
  if (existing) {
    const retry = await retryOf(db, existing.id, found.v_integrity === null ? null : decodeStoredVersion(found), archive, manifest);
    if (retry) return { existing, orgMissing, retry, findings };
  } else {
    const similar = await db
      .select({ name: packages.name, createdBy: packages.createdBy })
      .from(packages)
      .where(and(eq(packages.canonicalName, canonicalName(name)), ne(packages.name, name)));
    const other = similar.find((p) => p.createdBy !== publisher.userId);
    if (other) findings.push(['manifest/name-too-similar', `the name ${name} is too similar to the existing package ${other.name}`]);
  }
  for (const message of await unresolvedDependencies(db, publisher, manifest)) findings.push(['manifest/dependency-unresolved', message]);
  return { existing, orgMissing, retry: null, findings };
}

const CHECKED_PACKAGE_COLUMNS = columnList(packages, 'p');
const decodeStoredVersion = (r: Record<string, unknown>): StoredVersion => ({
  integrity: r.v_integrity as string,
  removedAt: r.v_removed_at === null ? null : (versions.removedAt.mapFromDriverValue(r.v_removed_at as string) as Date),
  report: r.v_report === null ? null : (versions.report.mapFromDriverValue(r.v_report) as StoredVersion['report']),
  status: versions.status.mapFromDriverValue(r.v_status) as StoredVersion['status'],
});
const VERSION_COLUMNS = columnList(versions);
const decodeVersion = rowDecoder(versions);

const summary = (archive: Archive, manifest: Manifest, report: ValidationReport | null) => ({
  name: manifest.name,
  version: manifest.version,
  integrity: archive.integrity,
  shasum: archive.shasum,
  size: archive.size,
  fileCount: archive.fileCount,
  warnings: report?.warnings ?? 0,
  quality: report?.quality ?? 0,
  capabilities: report?.capabilities ?? [],
});

/**
 * When name@version already exists: the identical bytes of a live version are a retry, answered
 * 200 with nothing changed; other bytes, or a number that was removed, are a 409. Null when the
 * version does not exist yet.
 */
async function identicalRetry(db: Db, packageId: number, archive: Archive, manifest: Manifest): Promise<Omit<PublishOutcome, 'timing'> | null> {
  const [row] = await db
    .select({ integrity: versions.integrity, removedAt: versions.removedAt, report: versions.report, status: versions.status })
    .from(versions)
    .where(and(eq(versions.packageId, packageId), eq(versions.version, manifest.version)));
  return retryOf(db, packageId, row ?? null, archive, manifest);
}

type StoredVersion = Pick<typeof versions.$inferSelect, 'integrity' | 'removedAt' | 'report' | 'status'>;

/** identicalRetry's verdict on the stored row of name@version (null: there is none). */
async function retryOf(
  db: Db,
  packageId: number,
  row: StoredVersion | null,
  archive: Archive,
  manifest: Manifest,
): Promise<Omit<PublishOutcome, 'timing'> | null> {
  const { name, version } = manifest;
  if (!row) return null;
  if (row.removedAt) throw new InputError(`${name}@${version} was removed and its version number can never be reused; publish a new version`, 'version_exists');
  if (row.status === 'rejected')
    throw new InputError(`${name}@${version} was rejected by a reviewer and its version number can never be reused; publish a new version`, 'version_exists');
  if (row.integrity !== archive.integrity)
    throw new InputError(`${name}@${version} already exists with other contents; published versions are immutable, so bump the version`, 'version_exists');
  return { status: 200, result: { ...summary(archive, manifest, row.report), created: false, 'dist-tags': await tagsOf(db, packageId), status: row.status } };
}
