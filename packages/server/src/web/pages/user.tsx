import { InputError } from '@unjucks/core';
import { privateFilter } from '../../access/rights.js';
import { parseQuery } from '../../search/query.js';
import type { WebCtx } from '../env.js';
import { Page, page } from '../layout.js';
import { Hit } from './search.js';

/**
 * A user's packages (those they maintain, as search knows them). A user with nothing the viewer
 * can see has no page, so the page cannot be used to learn which accounts exist.
 */
export async function userPage(c: WebCtx, user: string) {
  const registry = c.get('registry');
  const actor = c.get('actor');
  const canSeePrivate = await privateFilter(registry.db, actor);
  const found = await registry.search.search(parseQuery(`maintainer:${user.toLowerCase()}`, { deprecated: true }), { size: 250, from: 0, canSeePrivate });
  if (found.total === 0 && actor?.userName !== user) throw new InputError(`user ${user} not found`, 'not_found');
  return page(
    c,
    <Page title={user} actor={actor} csrf={c.get('session')?.csrf}>
      <h1>{user}</h1>
      <h2>Packages</h2>
      {found.total ? (
        <ol class="hits">
          {found.hits.map((h) => (
            <Hit hit={h} />
          ))}
        </ol>
      ) : (
        <p>No packages yet.</p>
      )}
    </Page>,
  );
}
