import { InputError } from '@unjucks/core';
import type { Actor } from '../auth/tokens.js';

/**
 * The core's write rule (the RBAC work refines it): admins write anything; publishers create new
 * packages and write the packages they created; readers write nothing.
 */
export function assertCanWrite(actor: Actor | null, pkg: { name: string; createdBy: number | null } | null, action: string, name: string): Actor {
  if (!actor) throw new InputError(`${action} ${name} needs a token; send "Authorization: Bearer <token>"`, 401, 'unauthorized');
  if (actor.role === 'admin') return actor;
  if (actor.role !== 'publisher')
    throw new InputError(`user ${actor.userName}'s token has the role ${actor.role}, which cannot ${action} ${name}; ask an admin for a publisher token`, 403, 'forbidden');
  if (pkg && pkg.createdBy !== actor.userId)
    throw new InputError(`user ${actor.userName} cannot ${action} ${name}: the package belongs to another user; ask its owner or an admin`, 403, 'forbidden');
  return actor;
}
