import type { Child } from 'hono/jsx';
import type { Actor } from '../auth/tokens.js';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { assetUrl } from './assets.js';
import type { WebCtx } from './env.js';

export const WEB = '/-/web';
/** A package's page; scoped names keep their slash (no page name can follow a scope and a name). */
export const packageUrl = (name: string, rest = '') => `${WEB}/package/${encodeName(name)}${rest}`;
export const encodeName = (name: string) => name.split('/').map(encodeURIComponent).join('/');
export const orgUrl = (org: string) => `${WEB}/org/${encodeURIComponent(org)}`;
export const userUrl = (user: string) => `${WEB}/user/${encodeURIComponent(user)}`;

export interface PageProps {
  title: string;
  actor: Actor | null;
  /** The session's synchronizer token, for the logout form in the header. */
  csrf?: string | null;
  scripts?: string[];
  query?: string;
  children?: Child;
}

export function Page(p: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · Unjucks Registry`}</title>
        <link rel="icon" href={assetUrl('favicon.svg')} type="image/svg+xml" />
        <link rel="stylesheet" href={assetUrl('web.css')} />
        {(p.scripts ?? []).map((s) => (
          <script src={assetUrl(s)} defer></script>
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href={`${WEB}/`}>
            Unjucks Registry
          </a>
          <form class="top-search" role="search" action={`${WEB}/`} method="get">
            <label for="top-q" class="visually-hidden">
              Search packages
            </label>
            <input id="top-q" name="q" type="search" placeholder="Search templates" value={p.query ?? ''} />
          </form>
          <nav aria-label="Account">
            <a href={`${WEB}/api`}>API</a>
            {p.actor ? (
              <>
                <a href={userUrl(p.actor.userName)}>{p.actor.userName}</a>
                <a href={`${WEB}/tokens`}>Tokens</a>
                <a href={`${WEB}/audit`}>Audit log</a>
                {p.csrf ? (
                  <form class="inline" method="post" action={`${WEB}/logout`}>
                    <input type="hidden" name="_csrf" value={p.csrf} />
                    <button type="submit" class="link">
                      Sign out
                    </button>
                  </form>
                ) : null}
              </>
            ) : (
              <a href={`${WEB}/login`}>Sign in</a>
            )}
          </nav>
        </header>
        <main id="main">{p.children}</main>
        <footer class="foot">
          <p>
            Unjucks Registry · <a href={`${WEB}/`}>Search</a> · API under <code>/api/v1</code> · npm protocol at <code>/</code>
          </p>
        </footer>
      </body>
    </html>
  );
}

export const Csrf = ({ token }: { token: string | null | undefined }) => <input type="hidden" name="_csrf" value={token ?? ''} />;

export function Notice({ kind, children }: { kind: 'error' | 'ok' | 'warn'; children?: Child }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export const fmtDate = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
export const fmtTime = (d: Date | string | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'never');

/** A whole page, with the doctype JSX cannot write. */
export function page(c: WebCtx, el: unknown, status: ContentfulStatusCode = 200) {
  return c.html(`<!doctype html>${String(el)}`, status);
}
