import { ACCESS_ROLES, InputError, isInputError, scopeOf } from '@unjucks/core';
import { grantPackage, packageAccess, revokePackage, setPackageVisibility } from '../../access/grants.js';
import type { WebCtx } from '../env.js';
import { Csrf, Notice, packageUrl, Page, page } from '../layout.js';
import { checkCsrf } from '../security.js';
import { viewablePackage } from '../package-data.js';
import { field, formOf, requireSignIn } from './account.js';

/** Who holds which role on a package, and its visibility; owners change them here. */
export async function accessPage(c: WebCtx, name: string, error?: string, status: 200 | 400 | 403 | 404 | 409 = 200) {
  const redirect = requireSignIn(c);
  if (redirect) return redirect;
  const registry = c.get('registry');
  await viewablePackage(registry, c.get('actor'), name);
  const a = await packageAccess(registry.db, c.get('actor'), name);
  const csrf = c.get('session')?.csrf;
  const action = packageUrl(name, '/access');
  return page(
    c,
    <Page title={`Access – ${name}`} actor={c.get('actor')} csrf={csrf}>
      <h1>Access to {name}</h1>
      <p>
        <a href={packageUrl(name)}>Back to the package</a>
      </p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {c.req.query('done') === 'saved' ? <Notice kind="ok">Saved.</Notice> : null}
      <h2>Visibility</h2>
      <p>
        {a.visibility} (set on the {a.visibilitySetOn})
      </p>
      <form method="post" action={action} class="inline">
        <Csrf token={csrf} />
        <input type="hidden" name="op" value="visibility" />
        <label for="vis">Visibility</label>{' '}
        <select id="vis" name="visibility">
          <option value="public" selected={a.visibility === 'public'}>
            public
          </option>
          <option value="private" selected={a.visibility === 'private'}>
            private
          </option>
        </select>{' '}
        <button type="submit">Set visibility</button>
      </form>
      <h2>Grants</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Who</th>
            <th scope="col">Kind</th>
            <th scope="col">Role</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {a.grants.map((g) => (
            <tr>
              <td>{g.principal}</td>
              <td>{g.kind}</td>
              <td>{g.role}</td>
              <td>
                <form method="post" action={action} class="inline">
                  <Csrf token={csrf} />
                  <input type="hidden" name="op" value="revoke" />
                  <input type="hidden" name="principal" value={g.principal} />
                  <button type="submit">Revoke {g.principal}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action={action} class="inline">
        <Csrf token={csrf} />
        <input type="hidden" name="op" value="grant" />
        <label for="gp">User, or org:team</label> <input id="gp" name="principal" required /> <label for="gr">Role</label>{' '}
        <select id="gr" name="role">
          {ACCESS_ROLES.map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>{' '}
        <button type="submit">Grant</button>
      </form>
    </Page>,
    status,
  );
}

export async function accessPost(c: WebCtx, name: string) {
  const form = await formOf(c);
  checkCsrf(c, form);
  const registry = c.get('registry');
  const actor = c.get('actor');
  await viewablePackage(registry, actor, name);
  const f = (n: string) => field(form, n).trim();
  const org = scopeOf(name);
  try {
    switch (f('op')) {
      case 'visibility':
        c.set('audit', { action: 'access.visibility', target: name, org, detail: { visibility: f('visibility') } });
        await setPackageVisibility(registry, actor, name, { visibility: f('visibility') });
        break;
      case 'grant':
        c.set('audit', { action: 'access.grant', target: name, org, detail: { principal: f('principal'), role: f('role') } });
        await grantPackage(registry, actor, name, f('principal'), { role: f('role') });
        break;
      case 'revoke':
        c.set('audit', { action: 'access.revoke', target: name, org, detail: { principal: f('principal') } });
        await revokePackage(registry, actor, name, f('principal'));
        break;
      default:
        throw new InputError(`unknown operation ${JSON.stringify(f('op'))}`);
    }
  } catch (e) {
    if (!isInputError(e)) throw e;
    return accessPage(c, name, e.message, e.status as 400);
  }
  return c.redirect(`${packageUrl(name, '/access')}?done=saved`, 303);
}
