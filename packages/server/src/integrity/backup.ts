import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { count, sql } from 'drizzle-orm';
import { create, extract } from 'tar';
import { InputError } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { auditLog, distTags, downloads, grants, orgMembers, orgs, packages, signingKeys, teamMembers, teams, tokens, users, versions } from '../db/schema.js';
import { parseActions } from '@unjucks/core';
import type { BlobStore } from '../storage/blob-store.js';

const FORMAT = 'unjucks-registry-export';
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
  teams?: (typeof teams.$inferSelect)[];
  teamMembers?: (typeof teamMembers.$inferSelect)[];
  grants?: (typeof grants.$inferSelect)[];
  auditLog?: (typeof auditLog.$inferSelect)[];
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
    teams: await db.select().from(teams),
    teamMembers: await db.select().from(teamMembers),
    grants: await db.select().from(grants),
    auditLog: await db.select().from(auditLog).orderBy(auditLog.id),
  };
  const dir = await mkdtemp(join(tmpdir(), 'unjucks-export-'));
  try {
    await writeFile(join(dir, 'registry.json'), JSON.stringify(dump));
    const keys = [...new Set(dump.versions.map((v) => v.blobKey))];
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

/**
 * Loads an export into a registry that has no packages yet (the admin a first start creates is
 * fine). Blobs are checked against their hash and stored first; then all rows go in one
 * transaction, users matched by name. A registry with packages is refused: merging is not supported.
 */
export async function importRegistry(db: Db, store: BlobStore, file: string): Promise<{ packages: number; versions: number; blobs: number }> {
  const [{ n }] = (await db.select({ n: count() }).from(packages)) as [{ n: number }];
  if (Number(n) > 0)
    throw new InputError(`this registry already has ${n} package(s); import only into a registry without packages (merging is not supported)`);
  const dir = await mkdtemp(join(tmpdir(), 'unjucks-import-'));
  try {
    await extract({ file, cwd: dir, strict: true, filter: (_p, entry) => (entry as { type?: string }).type === 'File' || (entry as { type?: string }).type === 'Directory' });
    let dump: Dump;
    try {
      dump = JSON.parse(await readFile(join(dir, 'registry.json'), 'utf8'), (_k, v) => (typeof v === 'string' && ISO.test(v) ? new Date(v) : v)) as Dump;
    } catch {
      throw new InputError(`${file} is not an unjucks-registry export (no readable registry.json)`);
    }
    if (dump.format !== FORMAT || (dump.version !== 1 && dump.version !== 2)) throw new InputError(`${file} is not an unjucks-registry export of a known version`);

    let blobs = 0;
    const blobRoot = join(dir, 'blobs', 'sha512');
    for (const hex of await readdir(blobRoot).catch(() => [] as string[])) {
      const bytes = await readFile(join(blobRoot, hex));
      if (createHash('sha512').update(bytes).digest('hex') !== hex) throw new InputError(`blob sha512/${hex} in ${file} does not match its hash; the export is damaged`);
      await store.put(`sha512/${hex}`, bytes);
      blobs++;
    }

    await db.transaction(async (tx) => {
      // Users are matched by name, so the admin a first start created keeps its own id.
      const userIds = new Map<number, number>();
      for (const u of dump.users) {
        await tx.insert(users).values({ name: u.name, isAdmin: u.isAdmin, passwordHash: u.passwordHash ?? null, createdAt: u.createdAt }).onConflictDoNothing();
        const [row] = await tx.select({ id: users.id }).from(users).where(sql`${users.name} = ${u.name}`);
        userIds.set(u.id, row!.id);
      }
      const user = (id: number | null) => (id === null ? null : (userIds.get(id) ?? null));
      if (dump.signingKeys.length) await tx.insert(signingKeys).values(dump.signingKeys).onConflictDoNothing();
      for (const t of dump.tokens) {
        // Version 1 tokens carried a role: it becomes that preset's actions.
        const actions = t.actions ?? parseActions((t as unknown as { role: string }).role);
        await tx.insert(tokens).values({ ...t, actions, userId: user(t.userId)!, createdBy: user(t.createdBy ?? null) }).onConflictDoNothing();
      }
      if (dump.packages.length) await tx.insert(packages).values(dump.packages.map((p) => ({ ...p, createdBy: user(p.createdBy) })));
      for (let i = 0; i < dump.versions.length; i += 500)
        await tx.insert(versions).values(dump.versions.slice(i, i + 500).map((v) => ({ ...v, publishedBy: user(v.publishedBy) })));
      if (dump.distTags.length) await tx.insert(distTags).values(dump.distTags);
      if (dump.downloads.length) await tx.insert(downloads).values(dump.downloads.map((d) => ({ ...d, day: String(d.day).slice(0, 10) })));
      // Orgs and teams are matched by name, like users; grants follow the ids they point at.
      const orgIds = new Map<number, number>();
      for (const o of dump.orgs ?? []) {
        await tx.insert(orgs).values({ name: o.name, defaultVisibility: o.defaultVisibility, createdAt: o.createdAt }).onConflictDoNothing();
        const [row] = await tx.select({ id: orgs.id }).from(orgs).where(sql`${orgs.name} = ${o.name}`);
        orgIds.set(o.id, row!.id);
      }
      for (const m of dump.orgMembers ?? [])
        await tx.insert(orgMembers).values({ ...m, orgId: orgIds.get(m.orgId)!, userId: user(m.userId)! }).onConflictDoNothing();
      const teamIds = new Map<number, number>();
      for (const t of dump.teams ?? []) {
        const orgId = orgIds.get(t.orgId)!;
        await tx.insert(teams).values({ orgId, name: t.name, createdAt: t.createdAt }).onConflictDoNothing();
        const [row] = await tx.select({ id: teams.id }).from(teams).where(sql`${teams.orgId} = ${orgId} and ${teams.name} = ${t.name}`);
        teamIds.set(t.id, row!.id);
      }
      for (const m of dump.teamMembers ?? []) await tx.insert(teamMembers).values({ teamId: teamIds.get(m.teamId)!, userId: user(m.userId)! }).onConflictDoNothing();
      for (const g of dump.grants ?? [])
        await tx
          .insert(grants)
          .values({
            packageId: g.packageId,
            orgId: g.orgId === null ? null : orgIds.get(g.orgId)!,
            userId: user(g.userId),
            teamId: g.teamId === null ? null : teamIds.get(g.teamId)!,
            role: g.role,
            createdAt: g.createdAt,
          })
          .onConflictDoNothing();
      for (let i = 0; i < (dump.auditLog ?? []).length; i += 500)
        await tx.insert(auditLog).values(dump.auditLog!.slice(i, i + 500).map(({ id: _id, ...r }) => r));
      // Rows kept their ids: move the sequences past them.
      for (const table of ['packages', 'versions', 'users'])
        await tx.execute(sql.raw(`select setval(pg_get_serial_sequence('${table}', 'id'), greatest((select coalesce(max(id), 0) from ${table}), 1))`));
    });
    return { packages: dump.packages.length, versions: dump.versions.length, blobs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
