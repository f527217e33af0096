import type { Child } from 'hono/jsx';
import { ACCESS_ROLES, InputError, isInputError } from '@unjucks/core';
import { grantScope, revokeScope, scopeAccess, setScopeVisibility } from '../../access/grants.js';
import { findOrg, listMembers, removeMember, setMember } from '../../access/orgs.js';
import { privateFilter, roleInScope } from '../../access/rights.js';
import { addTeamMember, createTeam, listTeams, removeTeam, removeTeamMember } from '../../access/teams.js';
import { parseQuery } from '../../search/query.js';
import type { WebCtx } from '../env.js';
import { Csrf, Notice, orgUrl, Page, page, userUrl } from '../layout.js';
import { checkCsrf } from '../security.js';
import { field, formOf } from './account.js';
import { Hit } from './search.js';

const notFound = (what: string) => new InputError(`${what} not found`, 'not_found');

/** A read the viewer may not make shows as absent, not as an error. */
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (isInputError(e) && [401, 403, 404].includes(e.status)) return null;
    throw e;
  }
}

async function orgView(c: WebCtx, org: string) {
  const registry = c.get('registry');
  const actor = c.get('actor');
  await findOrg(registry.db, org).catch((e) => {
    throw isInputError(e) ? notFound(`org ${org}`) : e;
  });
  const canSeePrivate = await privateFilter(registry.db, actor);
  const found = await registry.search.search(parseQuery(`scope:${org}`, { deprecated: true }), { size: 250, from: 0, canSeePrivate });
  const role = actor ? (await roleInScope(registry.db, actor.userId, org)).role : null;
  const isOwner = !!actor && (actor.isAdmin || role === 'owner');
  // An org with nothing the viewer may see, and whom the viewer is not part of, does not exist for them.
  if (found.total === 0 && !role && !actor?.isAdmin) throw notFound(`org ${org}`);
  const [members, teams, access] = await Promise.all([
    actor ? orNull(listMembers(registry.db, actor, org)) : null,
    actor ? orNull(listTeams(registry.db, actor, org)) : null,
    isOwner ? orNull(scopeAccess(registry.db, actor, org)) : null,
  ]);
  return { found, members, teams, access, isOwner };
}

const DONE: Record<string, string> = { saved: 'Saved.' };

export async function orgPage(c: WebCtx, org: string, error?: string, status: 200 | 400 | 403 | 404 | 409 = 200) {
  const v = await orgView(c, org);
  const csrf = c.get('session')?.csrf;
  const done = DONE[c.req.query('done') ?? ''];
  const Op = ({ op, children, label }: { op: string; label: string; children?: Child }) => (
    <form method="post" action={orgUrl(org)} class="inline">
      <Csrf token={csrf} />
      <input type="hidden" name="op" value={op} />
      {children}
      <button type="submit">{label}</button>
    </form>
  );
  return page(
    c,
    <Page title={`@${org}`} actor={c.get('actor')} csrf={csrf}>
      <h1>@{org}</h1>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {done ? <Notice kind="ok">{done}</Notice> : null}
      <section aria-labelledby="pk-h">
        <h2 id="pk-h">Packages</h2>
        {v.found.total ? (
          <ol class="hits">
            {v.found.hits.map((h) => (
              <Hit hit={h} />
            ))}
          </ol>
        ) : (
          <p>No packages you can see.</p>
        )}
      </section>
      {v.members ? (
        <section aria-labelledby="m-h">
          <h2 id="m-h">Members</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                {v.isOwner ? <th scope="col">Change</th> : null}
              </tr>
            </thead>
            <tbody>
              {v.members.members.map((m) => (
                <tr>
                  <td>
                    <a href={userUrl(m.user)}>{m.user}</a>
                  </td>
                  <td>{m.role}</td>
                  {v.isOwner ? (
                    <td>
                      <Op op="remove-member" label={`Remove ${m.user}`}>
                        <input type="hidden" name="user" value={m.user} />
                      </Op>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
          {v.isOwner ? (
            <Op op="set-member" label="Add or change member">
              <label for="mu">User</label> <input id="mu" name="user" required /> <label for="mr">Role</label>{' '}
              <select id="mr" name="role">
                {ACCESS_ROLES.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>{' '}
            </Op>
          ) : null}
        </section>
      ) : null}
      {v.teams ? (
        <section aria-labelledby="t-h">
          <h2 id="t-h">Teams</h2>
          {v.teams.teams.length ? (
            <ul>
              {v.teams.teams.map((t) => (
                <li>
                  <strong>{t.name}</strong>: {t.members.length ? t.members.join(', ') : 'no members'}
                  {v.isOwner ? (
                    <>
                      {' '}
                      <Op op="remove-team" label={`Delete team ${t.name}`}>
                        <input type="hidden" name="team" value={t.name} />
                      </Op>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <p>No teams.</p>
          )}
          {v.isOwner ? (
            <div class="stack">
              <Op op="create-team" label="Create team">
                <label for="tn">Team name</label> <input id="tn" name="team" required />{' '}
              </Op>
              <Op op="add-team-member" label="Add to team">
                <label for="tt">Team</label> <input id="tt" name="team" required /> <label for="tu">User</label> <input id="tu" name="user" required />{' '}
              </Op>
              <Op op="remove-team-member" label="Remove from team">
                <label for="rt">Team</label> <input id="rt" name="team" required /> <label for="ru">User</label> <input id="ru" name="user" required />{' '}
              </Op>
            </div>
          ) : null}
        </section>
      ) : null}
      {v.access ? (
        <section aria-labelledby="g-h">
          <h2 id="g-h">Grants on @{org}/*</h2>
          <p>Default visibility of the org's packages: {v.access.defaultVisibility}</p>
          <Op op="visibility" label="Set default visibility">
            <label for="dv">Default visibility</label>{' '}
            <select id="dv" name="visibility">
              <option value="public" selected={v.access.defaultVisibility === 'public'}>
                public
              </option>
              <option value="private" selected={v.access.defaultVisibility === 'private'}>
                private
              </option>
            </select>{' '}
          </Op>
          <ul>
            {v.access.grants.map((g) => (
              <li>
                {g.principal} ({g.kind}): {g.role}{' '}
                <Op op="revoke-scope" label={`Revoke ${g.principal}`}>
                  <input type="hidden" name="principal" value={g.principal} />
                </Op>
              </li>
            ))}
          </ul>
          <Op op="grant-scope" label="Grant">
            <label for="gp">Team (org:team)</label> <input id="gp" name="principal" required /> <label for="gr">Role</label>{' '}
            <select id="gr" name="role">
              {ACCESS_ROLES.map((r) => (
                <option value={r}>{r}</option>
              ))}
            </select>{' '}
          </Op>
        </section>
      ) : null}
    </Page>,
    status,
  );
}

/** One form endpoint for the org's management, dispatching on `op` to the API's own functions. */
export async function orgPost(c: WebCtx, org: string) {
  const form = await formOf(c);
  checkCsrf(c, form);
  const registry = c.get('registry');
  const actor = c.get('actor');
  const f = (n: string) => field(form, n).trim();
  const op = f('op');
  c.set('audit', { action: `org.${op}`, target: `@${org}`, org });
  try {
    switch (op) {
      case 'set-member':
        c.set('audit', { action: 'org.member.set', target: `@${org}`, org, detail: { user: f('user'), role: f('role') } });
        // Someone who is not yet a member is invited (they accept with `unjucks org accept`), as over the API.
        if ((await setMember(registry.db, actor, org, f('user'), { role: f('role') })).invited)
          c.set('audit', { action: 'org.member.invite', target: `@${org}`, org, detail: { user: f('user'), role: f('role') } });
        break;
      case 'remove-member':
        c.set('audit', { action: 'org.member.remove', target: `@${org}`, org, detail: { user: f('user') } });
        await removeMember(registry.db, actor, org, f('user'));
        break;
      case 'create-team':
        c.set('audit', { action: 'team.create', target: `@${org}:${f('team')}`, org });
        await createTeam(registry.db, actor, org, { name: f('team') });
        break;
      case 'remove-team':
        c.set('audit', { action: 'team.remove', target: `@${org}:${f('team')}`, org });
        await removeTeam(registry.db, actor, org, f('team'));
        break;
      case 'add-team-member':
        c.set('audit', { action: 'team.member.add', target: `@${org}:${f('team')}`, org, detail: { user: f('user') } });
        await addTeamMember(registry.db, actor, org, f('team'), f('user'));
        break;
      case 'remove-team-member':
        c.set('audit', { action: 'team.member.remove', target: `@${org}:${f('team')}`, org, detail: { user: f('user') } });
        await removeTeamMember(registry.db, actor, org, f('team'), f('user'));
        break;
      case 'grant-scope':
        c.set('audit', { action: 'scope.grant', target: `@${org}`, org, detail: { principal: f('principal'), role: f('role') } });
        await grantScope(registry.db, actor, org, f('principal'), { role: f('role') });
        break;
      case 'revoke-scope':
        c.set('audit', { action: 'scope.revoke', target: `@${org}`, org, detail: { principal: f('principal') } });
        await revokeScope(registry.db, actor, org, f('principal'));
        break;
      case 'visibility':
        c.set('audit', { action: 'scope.visibility', target: `@${org}`, org, detail: { visibility: f('visibility') } });
        await setScopeVisibility(registry, actor, org, { visibility: f('visibility') });
        break;
      default:
        throw new InputError(`unknown operation ${JSON.stringify(op)}`);
    }
  } catch (e) {
    if (!isInputError(e)) throw e;
    return orgPage(c, org, e.message, e.status as 400);
  }
  return c.redirect(`${orgUrl(org)}?done=saved`, 303);
}
