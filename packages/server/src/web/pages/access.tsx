import { ACCESS_ROLES, InputError, isInputError, MAX_REQUIRED_APPROVALS, scopeOf } from '@unjucks/core';
import { grantPackage, packageAccess, revokePackage, setPackageVisibility } from '../../access/grants.js';
import { addTrustedPublisher, listTrustedPublishers, removeTrustedPublisher } from '../../oidc/trusted-publishers.js';
import { packagePolicy, setPackagePolicy } from '../../registry/review-policy.js';
import type { WebCtx } from '../env.js';
import { Csrf, Notice, packageUrl, Page, page } from '../layout.js';
import { checkCsrf } from '../security.js';
import { viewablePackage } from '../package-data.js';
import { field, formOf, requireSignIn } from './account.js';

/** The package's trusted publishers, or null when the viewer is not one of its owners (only owners see them). */
async function publishersFor(c: WebCtx, name: string) {
  try {
    return (await listTrustedPublishers(c.get('registry'), c.get('actor'), name)).trustedPublishers;
  } catch (e) {
    if (isInputError(e) && e.status === 403) return null;
    throw e;
  }
}

/** Who holds which role on a package, its visibility, its review rule and the CI jobs trusted to publish it; owners change them here. */
export async function accessPage(c: WebCtx, name: string, error?: string, status: 200 | 400 | 403 | 404 | 409 = 200) {
  const redirect = requireSignIn(c);
  if (redirect) return redirect;
  const registry = c.get('registry');
  await viewablePackage(registry, c.get('actor'), name);
  const a = await packageAccess(registry, c.get('actor'), name);
  const policy = await packagePolicy(registry, c.get('actor'), name);
  const publishers = await publishersFor(c, name);
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
      <h2>Reviews</h2>
      <p>
        New versions need {policy.effective} approval(s) by maintainers other than the publisher
        {policy.effective ? '' : ' (reviews are off)'}: the package's own setting is {policy.requiredApprovals}
        {policy.org != null ? `, its org's ${policy.org} (the higher wins)` : ''}.
      </p>
      <form method="post" action={action} class="inline">
        <Csrf token={csrf} />
        <input type="hidden" name="op" value="review" />
        <label for="ra">Approvals this package requires</label>{' '}
        <input id="ra" name="requiredApprovals" type="number" min="0" max={String(MAX_REQUIRED_APPROVALS)} value={String(policy.requiredApprovals)} required />{' '}
        <button type="submit">Set approvals</button>
      </form>
      <h2>Publishing from CI</h2>
      {publishers === null ? (
        <p>Only the package's owners see and change the CI jobs trusted to publish it.</p>
      ) : (
        <>
          <p>
            CI jobs that may publish with their OIDC ID token, no stored secret (see "Trusted publishing" in the README).
            {publishers.length ? '' : ' None yet.'}
          </p>
          {publishers.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Issuer</th>
                  <th scope="col">Repository (owner id)</th>
                  <th scope="col">Workflow</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Added</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {publishers.map((t) => (
                  <tr>
                    <td>{t.issuer}</td>
                    <td>
                      {t.repository} ({t.repositoryOwnerId})
                    </td>
                    <td>{t.workflow}</td>
                    <td>{t.environment ?? 'any'}</td>
                    <td>
                      {t.createdAt.slice(0, 10)} by {t.createdBy ?? '(deleted user)'}
                    </td>
                    <td>
                      <form method="post" action={action} class="inline">
                        <Csrf token={csrf} />
                        <input type="hidden" name="op" value="untrust" />
                        <input type="hidden" name="id" value={String(t.id)} />
                        <button type="submit">Remove publisher {t.id}</button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <form method="post" action={action}>
            <Csrf token={csrf} />
            <input type="hidden" name="op" value="trust" />
            <label for="tp-iss">Issuer (github, gitlab or a configured URL)</label> <input id="tp-iss" name="issuer" value="github" required />{' '}
            <label for="tp-repo">Repository (owner/repo)</label> <input id="tp-repo" name="repository" required />{' '}
            <label for="tp-owner">Repository owner id</label> <input id="tp-owner" name="repositoryOwnerId" required />{' '}
            <label for="tp-wf">Workflow file (optionally @ref)</label> <input id="tp-wf" name="workflow" required />{' '}
            <label for="tp-env">Environment (optional)</label> <input id="tp-env" name="environment" /> <button type="submit">Trust this CI job</button>
          </form>
        </>
      )}
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
      case 'review': {
        const raw = f('requiredApprovals');
        c.set('audit', { action: 'package.review-policy', target: name, org, detail: { requiredApprovals: raw } });
        await setPackagePolicy(registry, actor, name, /^\d{1,2}$/.test(raw) ? Number(raw) : Number.NaN);
        break;
      }
      case 'trust': {
        const input = {
          issuer: f('issuer'),
          repository: f('repository'),
          repositoryOwnerId: f('repositoryOwnerId'),
          workflow: f('workflow'),
          environment: f('environment') || null,
        };
        c.set('audit', { action: 'trusted-publisher.add', target: name, org, detail: input });
        const row = await addTrustedPublisher(registry, actor, name, input);
        c.set('audit', { action: 'trusted-publisher.add', target: name, org, detail: { ...input, id: row.id, issuer: row.issuer } });
        break;
      }
      case 'untrust':
        c.set('audit', { action: 'trusted-publisher.remove', target: name, org, detail: { id: f('id') } });
        await removeTrustedPublisher(registry, actor, name, f('id'));
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
