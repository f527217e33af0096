/**
 * What travels on CHANGES_CHANNEL (registry/lookup.ts), one small JSON object per notification:
 * - `package`: a package changed (touchPackage, and the packages trigger of the cache migration);
 *   `write`, when a write on some replica built the snapshot its commit produces (registry/snapshot.ts expect);
 * - `downloads`: download counts moved (search only);
 * - `token`: a token row changed in a way that matters to its checks (revoked, expired, narrowed);
 * - `access`: users, orgs, memberships, teams or grants changed: what anyone may do may have moved;
 * - `barrier`: sent by a replica after its own write, to learn when it has heard everything before it.
 */
export type ChangeNotice = { package: number; write?: string } | { downloads: true } | { token: string } | { access: true } | { barrier: string };

export function parseNotice(payload: string): ChangeNotice | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.package === 'number') return typeof o.write === 'string' ? { package: o.package, write: o.write } : { package: o.package };
  if (o.downloads === true) return { downloads: true };
  if (typeof o.token === 'string') return { token: o.token };
  if (o.access === true) return { access: true };
  if (typeof o.barrier === 'string') return { barrier: o.barrier };
  return null;
}
