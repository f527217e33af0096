import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { count, eq, inArray, sql } from 'drizzle-orm';
import { touchPackage } from '../registry/lookup.js';
import { create, extract } from 'tar';
import { InputError } from '@unjucks/core';
import type { Db } from '../db/database.js';
import {
  auditLog,
  distTags,
  downloads,
  grants,
  hookSubscriptions,
  orgInvitations,
  orgMembers,
  orgs,
  packages,
  signingKeys,
  teamMembers,
  teams,
  tokens,
  trustedPublishers,
  users,
  versionApprovals,
  versions,
} from '../db/schema.js';
import { parseActions } from '@unjucks/core';
import type { Sealed } from '../auth/seal.js';
import { samePublisher } from '../oidc/trusted-publishers.js';
import type { BlobStore } from '../storage/blob-store.js';

const FORMAT = 'unjucks-registry-export';
const UNOPENED_SECRET =
  'imported from a registry with another SIGNING_KEY_SECRET, so its signing secret cannot be opened here; remove the hook and create it again (receivers get the new secret)';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Dump {
  format: typeof FORMAT;
  /** 1: before accounts and access (tokens had a role); 2: with orgs, teams, grants and the audit log. */
  version: 1 | 2;
  exportedAt: string;
  users: (typeof users.$inferSelect)[];
  signingKeys: (typeof signingKeys.$inferSelect)[];
  tokens: (typeof tokens.$inferSelect)[];
  packages: (typeof packages.$inferSelect)[];
  versions: (typeof versions.$inferSelect)[];
  distTags: (typeof distTags.$inferSelect)[];
  downloads: (typeof downloads.$inferSelect)[];
  orgs?: (typeof orgs.$inferSelect)[];
  orgMembers?: (typeof orgMembers.$inferSelect)[];
  /** Open invitations to orgs (absent in exports from before invitations). */
  orgInvitations?: (typeof orgInvitations.$inferSelect)[];
  teams?: (typeof teams.$inferSelect)[];
  teamMembers?: (typeof teamMembers.$inferSelect)[];
  grants?: (typeof grants.$inferSelect)[];
  auditLog?: (typeof auditLog.$inferSelect)[];
  /** Review decisions on staged and rejected versions (absent in exports from before reviewed releases). */
  versionApprovals?: (typeof versionApprovals.$inferSelect)[];
  /** CI jobs trusted to publish (absent before trusted publishing). */
  trustedPublishers?: (typeof trustedPublishers.$inferSelect)[];
  /**
   * Webhook subscriptions with their sealed secrets: they open only where the same
   * SIGNING_KEY_SECRET is set, as the signing keys do. Events and deliveries stay behind: they are
   * the old registry's outbox, not state a new one should replay.
   */
  hookSubscriptions?: (typeof hookSubscriptions.$inferSelect)[];
}

/**
 * Writes the whole registry, database rows and every referenced blob, to one .tar.gz: a
 * `registry.json` and `blobs/<key>`. Works between any pair of engines (PGlite, Postgres; folder, S3).
 */
export async function exportRegistry(db: Db, store: BlobStore, file: string): Promise<{ packages: number; versions: number; blobs: number }> {
  const dump: Dump = {
    format: FORMAT,
    version: 2,
    exportedAt: new Date().toISOString(),
    users: await db.select().from(users),
    signingKeys: await db.select().from(signingKeys),
    tokens: await db.select().from(tokens),
    packages: await db.select().from(packages),
    versions: await db.select().from(versions),
    distTags: await db.select().from(distTags),
    downloads: await db.select().from(downloads),
    orgs: await db.select().from(orgs),
    orgMembers: await db.select().from(orgMembers),
    orgInvitations: await db.select().from(orgInvitations),
    teams: await db.select().from(teams),
    teamMembers: await db.select().from(teamMembers),
    grants: await db.select().from(grants),
    auditLog: await db.select().from(auditLog).orderBy(auditLog.id),
    versionApprovals: await db.select().from(versionApprovals).orderBy(versionApprovals.id),
    trustedPublishers: await db.select().from(trustedPublishers).orderBy(trustedPublishers.id),
    hookSubscriptions: await db.select().from(hookSubscriptions).orderBy(hookSubscriptions.id),
  };
  const dir = await mkdtemp(join(tmpdir(), 'unjucks-export-'));
  try {
    await writeFile(join(dir, 'registry.json'), JSON.stringify(dump));
    const keys = [...new Set(dump.versions.flatMap((v) => (v.provenanceBlobKey ? [v.blobKey, v.provenanceBlobKey] : [v.blobKey])))];
    for (const key of keys) {
      const blob = await store.get(key);
      if (!blob) throw new Error(`blob ${key} is missing from storage; run unjucks-registry verify first`);
      const path = join(dir, 'blobs', key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, Buffer.from(await new Response(blob.stream()).arrayBuffer()));
    }
    await create({ gzip: true, file, cwd: dir, portable: true }, ['registry.json', ...(keys.length ? ['blobs'] : [])]);
    return { packages: dump.packages.length, versions: dump.versions.length, blobs: keys.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type ImportMode = 'empty' | 'merge';

/**
 * Loads an export. By default only into a registry that has no packages yet (the admin a first
 * start creates is fine); with mode 'merge', into any: packages and versions it lacks are added,
 * versions it has with the same bytes are skipped, and one it has with other bytes aborts the whole
 * import (versions are immutable). Blobs are checked against their hash and stored first; then
 * all rows go in one transaction. Users, orgs and teams are matched by name; ids are remapped.
 */
export async function importRegistry(
  db: Db,
  store: BlobStore,
  file: string,
  mode: ImportMode = 'empty',
  /** Whether this registry's sealing key opens a hook secret; a hook whose secret it cannot open comes in disabled, saying why. */
  opensSecret: (sealed: Sealed) => boolean = () => true,
): Promise<{ packages: number; versions: number; blobs: number; skipped: number }> {
  const [{ n }] = (await db.select({ n: count() }).from(packages)) as [{ n: number }];
  if (Number(n) > 0 && mode !== 'merge')
    throw new InputError(
      `this registry already has ${n} package(s); import only into a registry without packages, or pass --merge to add what it lacks (a version it has with other bytes aborts the import)`,
      'conflict',
    );
  const dir = await mkdtemp(join(tmpdir(), 'unjucks-import-'));
  try {
    await extract({
      file,
      cwd: dir,
      strict: true,
      filter: (_p, entry) => (entry as { type?: string }).type === 'File' || (entry as { type?: string }).type === 'Directory',
    });
    let dump: Dump;
    try {
      dump = JSON.parse(await readFile(join(dir, 'registry.json'), 'utf8'), (_k, v) => (typeof v === 'string' && ISO.test(v) ? new Date(v) : v)) as Dump;
    } catch {
      throw new InputError(`${file} is not an unjucks-registry export (no readable registry.json)`);
    }
    if (dump.format !== FORMAT || (dump.version !== 1 && dump.version !== 2))
      throw new InputError(`${file} is not an unjucks-registry export of a known version`);

    let blobs = 0;
    const blobRoot = join(dir, 'blobs', 'sha512');
    for (const hex of await readdir(blobRoot).catch(() => [] as string[])) {
      const bytes = await readFile(join(blobRoot, hex));
      if (createHash('sha512').update(bytes).digest('hex') !== hex)
        throw new InputError(`blob sha512/${hex} in ${file} does not match its hash; the export is damaged`);
      await store.put(`sha512/${hex}`, bytes);
      blobs++;
    }

    let skipped = 0;
    await db.transaction(async (tx) => {
      // Users are matched by name, so the admin a first start created keeps its own id.
      const userIds = new Map<number, number>();
      for (const u of dump.users) {
        await tx
          .insert(users)
          .values({ name: u.name, isAdmin: u.isAdmin, passwordHash: u.passwordHash ?? null, createdAt: u.createdAt })
          .onConflictDoNothing();
        const [row] = await tx.select({ id: users.id }).from(users).where(sql`${users.name} = ${u.name}`);
        userIds.set(u.id, row!.id);
      }
      const user = (id: number | null) => (id === null ? null : (userIds.get(id) ?? null));
      if (dump.signingKeys.length) await tx.insert(signingKeys).values(dump.signingKeys).onConflictDoNothing();
      for (const t of dump.tokens) {
        // Version 1 tokens carried a role: it becomes that preset's actions.
        const actions = t.actions ?? parseActions((t as typeof t & { role: string }).role);
        await tx
          .insert(tokens)
          .values({ ...t, actions, userId: user(t.userId)!, createdBy: user(t.createdBy ?? null) })
          .onConflictDoNothing();
      }
      // Packages: new ones are created; in a merge, an existing name keeps its row, owners and tags.
      const packageIds = new Map<number, number>();
      const merged = new Set<number>();
      for (const { id, ...p } of dump.packages) {
        const [created] = await tx
          .insert(packages)
          .values({ ...p, createdBy: user(p.createdBy) })
          .onConflictDoNothing()
          .returning({ id: packages.id });
        if (created) packageIds.set(id, created.id);
        else {
          const [row] = await tx.select({ id: packages.id }).from(packages).where(eq(packages.name, p.name));
          packageIds.set(id, row!.id);
          merged.add(row!.id);
        }
      }
      const have = new Map<string, string>();
      if (merged.size)
        for (const v of await tx
          .select({ packageId: versions.packageId, version: versions.version, integrity: versions.integrity })
          .from(versions)
          .where(inArray(versions.packageId, [...merged])))
          have.set(`${v.packageId}@${v.version}`, v.integrity);
      const names = new Map(dump.packages.map((p) => [p.id, p.name]));
      const conflicts = dump.versions.filter((v) => {
        const integrity = have.get(`${packageIds.get(v.packageId)}@${v.version}`);
        return integrity !== undefined && integrity !== v.integrity;
      });
      if (conflicts.length)
        throw new InputError(
          `nothing was imported: ${conflicts.map((v) => `${names.get(v.packageId)}@${v.version}`).join(', ')} already exist${conflicts.length === 1 ? 's' : ''} here with other contents, and published versions are immutable`,
          'conflict',
        );
      const fresh = dump.versions.filter((v) => !have.has(`${packageIds.get(v.packageId)}@${v.version}`));
      skipped = dump.versions.length - fresh.length;
      for (let i = 0; i < fresh.length; i += 500)
        await tx
          .insert(versions)
          .values(fresh.slice(i, i + 500).map(({ id: _id, ...v }) => ({ ...v, packageId: packageIds.get(v.packageId)!, publishedBy: user(v.publishedBy) })));
      // Approvals follow their version by package and number (version ids are the new registry's own);
      // a version that was already here keeps its own decisions.
      const versionKey = new Map(dump.versions.map((v) => [v.id, `${packageIds.get(v.packageId)}@${v.version}`]));
      const freshKeys = new Set(fresh.map((v) => versionKey.get(v.id)!));
      const approvals = (dump.versionApprovals ?? []).filter((a) => freshKeys.has(versionKey.get(a.versionId) ?? ''));
      if (approvals.length) {
        const newIds = new Map<string, number>();
        for (const v of await tx
          .select({ id: versions.id, packageId: versions.packageId, version: versions.version })
          .from(versions)
          .where(inArray(versions.packageId, [...new Set(fresh.map((f) => packageIds.get(f.packageId)!))])))
          newIds.set(`${v.packageId}@${v.version}`, v.id);
        for (let i = 0; i < approvals.length; i += 500)
          await tx
            .insert(versionApprovals)
            .values(
              approvals
                .slice(i, i + 500)
                .map(({ id: _id, ...a }) => ({ ...a, versionId: newIds.get(versionKey.get(a.versionId)!)!, approverId: user(a.approverId) })),
            );
      }
      for (const t of dump.trustedPublishers ?? []) {
        const packageId = packageIds.get(t.packageId)!;
        // In a merge, the same publisher already configured here is not added twice.
        const here = await tx.select().from(trustedPublishers).where(eq(trustedPublishers.packageId, packageId));
        if (!here.some((r) => samePublisher(t, r))) await tx.insert(trustedPublishers).values({ ...t, id: undefined, packageId, createdBy: user(t.createdBy) });
      }
      for (const h of dump.hookSubscriptions ?? []) {
        const [same] = await tx
          .select({ id: hookSubscriptions.id })
          .from(hookSubscriptions)
          .where(sql`${hookSubscriptions.targetKind} = ${h.targetKind} and ${hookSubscriptions.target} = ${h.target} and ${hookSubscriptions.url} = ${h.url}`);
        if (same) continue;
        const sealedElsewhere = !opensSecret(h.secret);
        await tx.insert(hookSubscriptions).values({
          ...h,
          id: undefined,
          createdBy: user(h.createdBy),
          ...(sealedElsewhere ? { enabled: false, disabledReason: UNOPENED_SECRET } : {}),
        });
      }
      for (const t of dump.distTags)
        await tx
          .insert(distTags)
          .values({ ...t, packageId: packageIds.get(t.packageId)! })
          .onConflictDoNothing();
      for (const d of dump.downloads)
        await tx
          .insert(downloads)
          .values({ ...d, packageId: packageIds.get(d.packageId)!, day: String(d.day).slice(0, 10) })
          .onConflictDoNothing();
      // Replicas cache by revision: merged packages changed under them.
      for (const id of merged) await touchPackage(tx, id, true);
      // Orgs and teams are matched by name, like users; grants follow the ids they point at.
      const orgIds = new Map<number, number>();
      for (const o of dump.orgs ?? []) {
        await tx
          .insert(orgs)
          .values({ name: o.name, defaultVisibility: o.defaultVisibility, requiredApprovals: o.requiredApprovals ?? 0, createdAt: o.createdAt })
          .onConflictDoNothing();
        const [row] = await tx.select({ id: orgs.id }).from(orgs).where(sql`${orgs.name} = ${o.name}`);
        orgIds.set(o.id, row!.id);
      }
      for (const m of dump.orgMembers ?? [])
        await tx
          .insert(orgMembers)
          .values({ ...m, orgId: orgIds.get(m.orgId)!, userId: user(m.userId)! })
          .onConflictDoNothing();
      for (const i of dump.orgInvitations ?? [])
        await tx
          .insert(orgInvitations)
          .values({ ...i, orgId: orgIds.get(i.orgId)!, userId: user(i.userId)!, invitedBy: i.invitedBy === null ? null : (user(i.invitedBy) ?? null) })
          .onConflictDoNothing();
      const teamIds = new Map<number, number>();
      for (const t of dump.teams ?? []) {
        const orgId = orgIds.get(t.orgId)!;
        await tx.insert(teams).values({ orgId, name: t.name, createdAt: t.createdAt }).onConflictDoNothing();
        const [row] = await tx.select({ id: teams.id }).from(teams).where(sql`${teams.orgId} = ${orgId} and ${teams.name} = ${t.name}`);
        teamIds.set(t.id, row!.id);
      }
      for (const m of dump.teamMembers ?? [])
        await tx
          .insert(teamMembers)
          .values({ teamId: teamIds.get(m.teamId)!, userId: user(m.userId)! })
          .onConflictDoNothing();
      for (const g of dump.grants ?? [])
        await tx
          .insert(grants)
          .values({
            packageId: g.packageId === null ? null : packageIds.get(g.packageId)!,
            orgId: g.orgId === null ? null : orgIds.get(g.orgId)!,
            userId: user(g.userId),
            teamId: g.teamId === null ? null : teamIds.get(g.teamId)!,
            role: g.role,
            createdAt: g.createdAt,
          })
          .onConflictDoNothing();
      for (let i = 0; i < (dump.auditLog ?? []).length; i += 500)
        await tx.insert(auditLog).values(dump.auditLog!.slice(i, i + 500).map(({ id: _id, ...r }) => r));
    });
    return { packages: dump.packages.length, versions: dump.versions.length - skipped, blobs, skipped };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
