import { patternCovers, scopeOf } from '@unjucks/core';
import type { Db } from '../db/database.js';
import { emitEvent } from './emit.js';

/**
 * The org a token is the business of, or null: the one whose scope holds every package pattern
 * of the token (the same rule by which org owners see members' tokens, access/tokens.ts). Token
 * events go to that org's hooks; a token that is no org's business announces nothing.
 */
export function tokenOrg(patterns: readonly string[] | null): string | null {
  const org = patterns?.[0] ? scopeOf(patterns[0]) : null;
  return org && patterns!.every((p) => patternCovers(`@${org}/*`, p)) ? org : null;
}

/** token.created, written in the transaction of the token's row (see mintToken's inTransaction). */
export const announceToken = (actor: string, user: string, packages: readonly string[] | null) => async (tx: Db, jti: string) => {
  const org = tokenOrg(packages);
  if (org) await emitEvent(tx, { type: 'token.created', actor, org, data: { id: jti, user, packages } });
};
