import { InputError, matchesPattern, ROLE_ACTIONS, type TokenAction } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';
import type { RegistryContext } from '../registry/context.js';
import { notFound } from '../registry/lookup.js';
import { authorize, requireActor, roleOn } from './rights.js';

const forbidden = (message: string) => new InputError(message, 'forbidden');

/**
 * Whether the actor could possibly do one of `actions` on `name`, checked from the token and the
 * database alone, before a request body is read or a publish slot is taken: an anonymous or
 * unentitled request costs a lookup, never an upload. The operation itself checks again, exactly.
 * A private package the user holds no role on answers as a missing one does.
 */
export async function assertMayWrite(ctx: RegistryContext, actor: Actor | null, name: string, actions: readonly TokenAction[], what: string): Promise<Actor> {
  const a = requireActor(actor, what);
  const held = actions.filter((x) => a.actions.includes(x));
  if (held.length === 0)
    throw forbidden(
      `this token (${a.jti}) allows none of ${actions.map((x) => `"${x}"`).join(', ')}, which ${what} needs; its actions are ${a.actions.join(', ')}`,
    );
  if (a.packages && !a.packages.some((p) => matchesPattern(p, name)))
    throw forbidden(`this token (${a.jti}) is limited to the packages ${a.packages.join(', ')}, so it cannot be used for ${what}`);
  const pkg = await ctx.cache.get(ctx.db, name).then(
    (s) => s.pkg,
    (e) => {
      if (e instanceof InputError && e.status === 404) return null;
      throw e;
    },
  );
  if (!pkg) {
    if (!held.includes('publish:new')) throw notFound(`package ${name} was`);
    await authorize(ctx.db, a, 'publish:new', name, null);
    return a;
  }
  if (a.isAdmin) return a;
  const role = await roleOn(ctx.db, a.userId, name, pkg.id);
  if (role && held.some((x) => ROLE_ACTIONS[role].includes(x))) return a;
  if (pkg.private && !role) throw notFound(`package ${name} was`);
  const primary = held.find((x) => x !== 'publish:new') ?? held[0];
  throw forbidden(
    `user ${a.userName} may not "${primary}" ${name}: ${role ? `their role on it is ${role}` : 'they have no role on it'}; ask an owner of ${name}`,
  );
}
