import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { InputError, isInputError, TOKEN_ACTIONS, type TokenAction } from '@unjucks/core';
import { createToken, listTokens, revokeToken } from '../../access/tokens.js';
import type { MintedToken } from '../../auth/tokens.js';
import type { WebCtx } from '../env.js';
import { Csrf, fmtTime, Notice, Page, page, WEB } from '../layout.js';
import { checkCsrf, checkOrigin, isSecure, sessionCookieName } from '../security.js';
import { endSession, randomSecret, sameSecret, startSession } from '../session.js';

const LOGIN_CSRF = 'unjucks_login_csrf';

/** Form fields; repeated names (checkboxes) become arrays. */
export async function formOf(c: WebCtx): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
    else if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export const field = (form: Record<string, string | string[]>, name: string): string => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

/** A local path to return to after signing in; anything else goes home. */
const safeNext = (next: string) => (/^\/-\/web\/[^/\\]/.test(next) || next === `${WEB}/` ? next : `${WEB}/`);

function LoginPage({ error, token, next, username }: { error?: string; token: string; next: string; username?: string }) {
  return (
    <Page title="Sign in" actor={null}>
      <h1>Sign in</h1>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <form method="post" action={`${WEB}/login`} class="stack narrow">
        <input type="hidden" name="_csrf" value={token} />
        <input type="hidden" name="next" value={next} />
        <div class="field">
          <label for="username">User name</label>
          <input id="username" name="username" autocomplete="username" required value={username ?? ''} />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit">Sign in</button>
      </form>
      <p class="help">
        Accounts are created by a registry admin (<code>unjucks user create</code>). Signing in here starts a session that you can end from the tokens page or
        by signing out.
      </p>
    </Page>
  );
}

/**
 * Before a session exists, the login form is protected by a double-submit token (a cookie the
 * form must echo) plus the Origin check: another site can neither read the cookie nor forge the origin.
 */
function loginToken(c: WebCtx): string {
  const existing = getCookie(c, LOGIN_CSRF);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomSecret();
  setCookie(c, LOGIN_CSRF, token, { httpOnly: true, sameSite: 'Strict', secure: isSecure(c), path: `${WEB}/login` });
  return token;
}

export function loginGet(c: WebCtx) {
  if (c.get('session')) return c.redirect(`${WEB}/tokens`, 303);
  return page(c, <LoginPage token={loginToken(c)} next={safeNext(c.req.query('next') ?? `${WEB}/`)} />);
}

export async function loginPost(c: WebCtx) {
  const form = await formOf(c);
  checkOrigin(c);
  const cookieToken = getCookie(c, LOGIN_CSRF);
  if (!cookieToken || !sameSecret(field(form, '_csrf'), cookieToken))
    throw new InputError('this sign-in form has expired or did not come from this registry; reload the page and try again', 'csrf');
  const username = field(form, 'username');
  c.set('audit', { actor: username.slice(0, 64), target: username.slice(0, 64) });
  const next = safeNext(field(form, 'next'));
  try {
    const s = await startSession(c.get('registry'), username, field(form, 'password'), c.get('ip'));
    c.set('audit', { actor: s.user, target: s.user, detail: { via: 'web' } });
    setCookie(c, sessionCookieName(c), s.secret, { httpOnly: true, sameSite: 'Lax', secure: isSecure(c), path: '/', expires: s.expiresAt });
    deleteCookie(c, LOGIN_CSRF, { path: `${WEB}/login` });
    return c.redirect(next, 303);
  } catch (e) {
    if (!isInputError(e)) throw e;
    if (e.status === 429) c.header('Retry-After', String((e.details as { retryAfter?: number } | undefined)?.retryAfter ?? 60));
    return page(c, <LoginPage error={e.message} token={loginToken(c)} next={next} username={username} />, e.status as 401);
  }
}

export async function logoutPost(c: WebCtx) {
  const form = await formOf(c);
  checkCsrf(c, form);
  await endSession(c.get('registry'), c.get('session')!);
  deleteCookie(c, sessionCookieName(c), { path: '/', secure: isSecure(c) });
  return c.redirect(`${WEB}/`, 303);
}

/** Pages that need a signed-in user send others to sign in first. */
export function requireSignIn(c: WebCtx): Response | null {
  if (c.get('actor')) return null;
  return c.redirect(`${WEB}/login?next=${encodeURIComponent(new URL(c.req.url).pathname + new URL(c.req.url).search)}`, 303);
}

type TokenList = Awaited<ReturnType<typeof listTokens>>['tokens'];

function TokensPage({ c, tokens, minted, error, done }: { c: WebCtx; tokens: TokenList; minted?: MintedToken; error?: string; done?: string }) {
  const actor = c.get('actor')!;
  const csrf = c.get('session')?.csrf;
  const held = TOKEN_ACTIONS.filter((a) => actor.actions.includes(a));
  return (
    <Page title="Tokens" actor={actor} csrf={csrf}>
      <h1>Your tokens</h1>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {done ? <Notice kind="ok">{done}</Notice> : null}
      {minted ? (
        <Notice kind="ok">
          <p>
            Token <code>{minted.id}</code> created. Copy it now: <strong>it is shown only this once</strong>.
          </p>
          <p>
            <label for="new-token">New token</label>
            <input id="new-token" class="secret" readonly value={minted.token} />
          </p>
        </Notice>
      ) : null}
      <section aria-labelledby="create-h">
        <h2 id="create-h">Create a token</h2>
        <form method="post" action={`${WEB}/tokens`} class="stack">
          <Csrf token={csrf} />
          <div class="field">
            <label for="t-name">Label</label>
            <input id="t-name" name="name" maxlength={200} placeholder="ci" />
          </div>
          <fieldset>
            <legend>Actions</legend>
            {held.map((a) => (
              <span class="check">
                <input type="checkbox" id={`a-${a}`} name="actions" value={a} checked={a === 'read'} />
                <label for={`a-${a}`}>{a}</label>
              </span>
            ))}
          </fieldset>
          <div class="field">
            <label for="t-packages">Package patterns (comma-separated, empty for all)</label>
            <input id="t-packages" name="packages" placeholder="@acme/*, tpl-*" />
          </div>
          <div class="field">
            <label for="t-expires">Expires after</label>
            <input id="t-expires" name="expires" placeholder="30d" />
          </div>
          <div class="field">
            <label for="t-cidr">Allowed addresses (CIDR, comma-separated, empty for anywhere)</label>
            <input id="t-cidr" name="cidr" placeholder="10.0.0.0/8" />
          </div>
          <button type="submit">Create token</button>
        </form>
      </section>
      <section aria-labelledby="list-h">
        <h2 id="list-h">Tokens</h2>
        <table class="tokens">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Id</th>
              <th scope="col">Actions</th>
              <th scope="col">Packages</th>
              <th scope="col">Addresses</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr data-token={t.id}>
                <td>{t.label ?? ''}</td>
                <td>
                  <code>{t.id.slice(0, 8)}</code>
                </td>
                <td>{t.actions.join(', ')}</td>
                <td>{t.packages?.join(', ') ?? 'all'}</td>
                <td>{t.cidr?.join(', ') ?? 'any'}</td>
                <td>{fmtTime(t.expiresAt)}</td>
                <td>
                  {fmtTime(t.lastUsedAt)}
                  {t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}
                </td>
                <td>
                  {t.revokedAt ? (
                    `revoked ${fmtTime(t.revokedAt)}`
                  ) : new Date(t.expiresAt).getTime() <= Date.now() ? (
                    'expired'
                  ) : (
                    <form method="post" action={`${WEB}/tokens/revoke`} class="inline">
                      <Csrf token={csrf} />
                      <input type="hidden" name="id" value={t.id} />
                      <button type="submit" class="danger" aria-label={`Revoke token ${t.label ?? t.id}`}>
                        {t.current ? 'Revoke (ends this session)' : 'Revoke'}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}

const DONE: Record<string, string> = { revoked: 'The token was revoked; it no longer works anywhere.' };

export async function tokensGet(c: WebCtx) {
  const redirect = requireSignIn(c);
  if (redirect) return redirect;
  const { tokens } = await listTokens(c.get('registry').db, c.get('actor'), {});
  return page(c, <TokensPage c={c} tokens={tokens} done={DONE[c.req.query('done') ?? '']} />);
}

const listField = (form: Record<string, string | string[]>, name: string) => {
  const raw = field(form, name)
    .replace(/\s*[\n,]\s*/g, ',')
    .trim();
  return raw ? raw : undefined;
};

export async function tokensPost(c: WebCtx) {
  const form = await formOf(c);
  checkCsrf(c, form);
  const registry = c.get('registry');
  const actions = ([] as string[]).concat(form.actions ?? []) as TokenAction[];
  try {
    const minted = await createToken(
      registry.db,
      registry.keys,
      c.get('actor'),
      {
        name: field(form, 'name') || undefined,
        actions,
        packages: listField(form, 'packages'),
        expires: field(form, 'expires').trim() || undefined,
        cidr: listField(form, 'cidr'),
      },
      registry.tokenMaxLifetimeSeconds,
    );
    c.set('audit', {
      target: `token:${minted.id}`,
      detail: { user: minted.user, actions: minted.actions, packages: minted.packages, expiresAt: minted.expiresAt, via: 'web' },
    });
    const { tokens } = await listTokens(registry.db, c.get('actor'), {});
    c.header('Cache-Control', 'no-store');
    return page(c, <TokensPage c={c} tokens={tokens} minted={minted} />, 201);
  } catch (e) {
    if (!isInputError(e)) throw e;
    const { tokens } = await listTokens(registry.db, c.get('actor'), {});
    return page(c, <TokensPage c={c} tokens={tokens} error={e.message} />, e.status as 400);
  }
}

export async function tokensRevokePost(c: WebCtx) {
  const form = await formOf(c);
  checkCsrf(c, form);
  const id = field(form, 'id');
  c.set('audit', { target: `token:${id}` });
  const r = await revokeToken(c.get('registry').db, c.get('actor'), id);
  c.set('audit', { target: `token:${id}`, org: r.org, detail: { user: r.user, via: 'web' } });
  return c.redirect(`${WEB}/tokens?done=revoked`, 303);
}
