import { and, eq, ne, sql } from 'drizzle-orm';
import { canonicalName, InputError, nameProblem, orgNameProblem } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { hookSubscriptions, orgs, packages, tokens, versions } from '../db/schema.js';
import { CHANGES_CHANNEL } from '../registry/lookup.js';
import { writeSearchDocuments } from '../search/store.js';

/** `@old/x` → `@new/x`; anything else unchanged. */
const moveName = (name: string, from: string, to: string) => (name.startsWith(`@${from}/`) ? `@${to}/${name.slice(from.length + 2)}` : name);

/**
 * Renames an org and moves its scope's packages with it: `@old/x` becomes `@new/x` with its
 * versions, tags, grants, teams and members, and token patterns on `@old/...` follow. This is the
 * repair for orgs made before scope names were checked (`@~`, `@-`), which no other route can
 * name; so the old name is taken as it is stored, and only the new one must be valid.
 *
 * Tarballs are immutable and keep the package.json they were published with; the packument and
 * version documents carry the new name; webhooks watching the org or its packages follow it. Audit
 * records keep the old name, as records do (an org that takes the name later never reads them).
 */
export async function renameOrg(db: Db, from: unknown, to: unknown) {
  if (typeof from !== 'string' || from.length === 0 || from.length > 214) throw new InputError('name the org to rename as it is listed (without the @)');
  const problem = orgNameProblem(to);
  if (problem) throw new InputError(problem);
  const target = to as string;
  if (from === target) throw new InputError(`org ${from} already has that name`);
  return db.transaction(async (tx) => {
    const [org] = await tx.select().from(orgs).where(eq(orgs.name, from)).for('update');
    if (!org) throw new InputError(`org ${from} not found; "unjucks org ls" as an admin lists every org`, 'not_found');
    const [taken] = await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.name, target));
    if (taken) throw new InputError(`org ${target} already exists; choose another name`, 'conflict');
    const prefix = `@${from}/`;
    const moved = await tx
      .select({ id: packages.id, name: packages.name })
      .from(packages)
      .where(sql`left(${packages.name}, ${prefix.length}) = ${prefix}`)
      .for('update');
    for (const p of moved) {
      const name = moveName(p.name, from, target);
      const bad = nameProblem(name);
      if (bad) throw new InputError(`package ${p.name} cannot become ${name}: ${bad}`, 'conflict');
    }
    const clash = await tx
      .select({ name: packages.name })
      .from(packages)
      .where(sql`left(${packages.name}, ${target.length + 2}) = ${`@${target}/`}`)
      .limit(1);
    if (clash.length) throw new InputError(`package ${clash[0]!.name} already exists in @${target}; choose another name`, 'conflict');

    await tx.update(orgs).set({ name: target }).where(eq(orgs.id, org.id));
    for (const p of moved) {
      const name = moveName(p.name, from, target);
      await tx
        .update(packages)
        .set({ name, canonicalName: canonicalName(name), revision: sql`${packages.revision} + 1`, modifiedAt: sql`now()` })
        .where(eq(packages.id, p.id));
      // The stored manifests are what packuments are built from: they name the package by its new name.
      await tx
        .update(versions)
        .set({ manifest: sql`jsonb_set(${versions.manifest}, '{name}', to_jsonb(${name}::text))` })
        .where(eq(versions.packageId, p.id));
      await writeSearchDocuments(tx, [p.id]);
      await tx.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify({ package: p.id })})`);
    }
    // Token patterns are read from their rows on every request, so rewriting them is enough.
    const limited = await tx
      .select({ jti: tokens.jti, packages: tokens.packages })
      .from(tokens)
      .where(sql`${tokens.packages}::text like ${`%"@${from.replace(/[\\%_]/g, '\\$&')}/%`}`);
    for (const t of limited)
      await tx
        .update(tokens)
        .set({ packages: t.packages!.map((p) => moveName(p, from, target)) })
        .where(eq(tokens.jti, t.jti));
    // Hooks name what they watch: they follow the org, or whoever takes the freed name would
    // list them and read their deliveries (and the org's owners would stop hearing of it).
    await tx
      .update(hookSubscriptions)
      .set({ target })
      .where(and(eq(hookSubscriptions.targetKind, 'org'), eq(hookSubscriptions.target, from)));
    const watching = await tx
      .select({ id: hookSubscriptions.id, target: hookSubscriptions.target })
      .from(hookSubscriptions)
      .where(and(ne(hookSubscriptions.targetKind, 'org'), sql`left(${hookSubscriptions.target}, ${prefix.length}) = ${prefix}`));
    for (const h of watching)
      await tx
        .update(hookSubscriptions)
        .set({ target: moveName(h.target, from, target) })
        .where(eq(hookSubscriptions.id, h.id));
    return { from, to: target, packages: moved.map((p) => ({ from: p.name, to: moveName(p.name, from, target) })), tokens: limited.length };
  });
}
