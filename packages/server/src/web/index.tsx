import { Hono } from 'hono';
import { InputError, isInputError } from '@unjucks/core';
import type { App } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { passwordCheck } from '../middleware/limits.js';
import { asset, assetUrl } from './assets.js';
import type { WebEnv } from './env.js';
import { Notice, page, Page, packageUrl, WEB } from './layout.js';
import { accessPage, accessPost } from './pages/access.js';
import { loginGet, loginPost, logoutPost, tokensGet, tokensPost, tokensRevokePost } from './pages/account.js';
import { apiPage } from './pages/api.js';
import { auditPage } from './pages/audit.js';
import { openApiDocument, type OpenApiDocument } from '../openapi-document.js';
import { filesPage } from './pages/files.js';
import { orgPage, orgPost } from './pages/org.js';
import { packagePage, splitPackagePath } from './pages/package.js';
import { previewFrame, previewPage } from './pages/preview.js';
import { homePage, searchFragment } from './pages/search.js';
import { userPage } from './pages/user.js';
import { FRAME_CSP, PAGE_CSP, securityHeaders, sessionAuth } from './security.js';

/** Browsers list text/html first; npm, pnpm and the CLI never ask for it. */
export const wantsHtml = (accept: string | undefined) => /^\s*text\/html\b/i.test(accept ?? '');

/** The API's audit middleware; the web's context carries the same variables plus the session. */
const audit = audited;

function webApp(apiDocument: () => OpenApiDocument) {
  const web = new Hono<WebEnv>();

  web.onError((err, c) => {
    const status = isInputError(err) ? err.status : 500;
    const message = isInputError(err)
      ? err.message
      : `Something went wrong; the registry logged the details under request id ${c.get('requestId') ?? 'unknown'}.`;
    if (!isInputError(err))
      console.error(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'error',
          msg: 'web page failed',
          path: c.req.path,
          error: (err as Error).stack ?? String(err),
        }),
      );
    c.header('Content-Security-Policy', PAGE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'private, no-store');
    if (status === 429) c.header('Retry-After', String((isInputError(err) && (err.details as { retryAfter?: number } | undefined)?.retryAfter) || 60));
    const title = status === 404 ? 'Not found' : status === 403 ? 'Refused' : status === 401 ? 'Sign in needed' : 'Error';
    return page(
      c,
      <Page title={title} actor={c.get('actor') ?? null} csrf={c.get('session')?.csrf}>
        <h1>{title}</h1>
        <Notice kind="error">{message}</Notice>
        <p>
          <a href={`${WEB}/`}>Search the registry</a>
        </p>
      </Page>,
      status as 400,
    );
  });

  // Static files are public and immutable per ?v=; they carry no session.
  web.get('/static/:file', (c) => {
    const a = asset(c.req.param('file'));
    if (!a) return c.text('no such file', 404);
    const headers = { 'Content-Type': a.type, ETag: a.etag, 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };
    if (c.req.header('if-none-match') === a.etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(a.body), 200, headers);
  });

  // The preview frame: static, sessionless, under its own CSP (see security.ts).
  web.get('/preview-frame', (c) => {
    c.header('Content-Security-Policy', FRAME_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'no-cache');
    return c.html(previewFrame({ css: assetUrl('preview-frame.css'), scripts: ['nunjucks.min.js', 'ejs.min.js', 'preview-frame.js'].map(assetUrl) }));
  });

  web.use('*', securityHeaders(PAGE_CSP));
  web.use('*', sessionAuth);

  web.get('/', homePage);
  web.get('/search', searchFragment);
  web.get('/login', loginGet);
  web.post('/login', passwordCheck, audit('auth.login'), loginPost);
  web.post('/logout', audit('auth.logout'), logoutPost);
  web.get('/tokens', tokensGet);
  web.post('/tokens', audit('token.create'), tokensPost);
  web.post('/tokens/revoke', audit('token.revoke'), tokensRevokePost);
  web.get('/audit', auditPage);
  web.get('/api', (c) => apiPage(c, apiDocument()));
  web.get('/user/:user', (c) => userPage(c, c.req.param('user')));
  web.get('/org/:org', (c) => orgPage(c, c.req.param('org')));
  web.post('/org/:org', audit('org.change'), (c) => orgPost(c, c.req.param('org')));

  // /package/<name>[/files|/preview|/access]; a scoped name takes two segments, so no page
  // name can be mistaken for a package and any package name works.
  const packagePath = (c: { req: { path: string } }) => splitPackagePath(c.req.path.slice(`${WEB}/package/`.length));
  web.get('/package/*', (c) => {
    const { name, sub } = packagePath(c);
    if (sub === '') return packagePage(c, name);
    if (sub === 'files') return filesPage(c, name);
    if (sub === 'preview') return previewPage(c, name);
    if (sub === 'access') return accessPage(c, name);
    throw notFound(c.req.path);
  });
  web.post('/package/*', audit('access.change'), (c) => {
    const { name, sub } = packagePath(c);
    if (sub === 'access') return accessPost(c, name);
    throw notFound(c.req.path);
  });
  web.all('*', (c) => {
    throw notFound(c.req.path);
  });
  return web;
}

const notFound = (path: string) => new InputError(`there is no page at ${path}`, 'not_found');

/**
 * The web interface, under /-/web/ (npm reserves /-/ for registry routes, and no package can be
 * named "-"), plus one redirect: a browser that opens a package's npm URL or the root goes to
 * the page. Register before the npm catch-all routes.
 */
export function webPages(app: App) {
  // Mounted at "/-/web/" so that the home page is /-/web/ (Hono joins "/-/web" and "/" as "/-/web").
  let doc: OpenApiDocument | null = null;
  // Built on first use: by then every route is registered.
  app.route(
    `${WEB}/`,
    webApp(() => (doc ??= openApiDocument(app))),
  );
  app.get(WEB, (c) => c.redirect(`${WEB}/`, 301));
  // Middleware rather than routes: logs and metrics name the route that answered (request-log.ts),
  // and for npm that must stay its own route, not this redirect that stepped aside.
  const isRead = (method: string) => method === 'GET' || method === 'HEAD';
  app.use('/', async (c, next) => {
    if (isRead(c.req.method) && wantsHtml(c.req.header('accept'))) return c.redirect(`${WEB}/`, 302);
    await next();
  });
  // "-" is npm's own namespace (/-/ping, /-/whoami), never a package.
  const pageOf = (c: { req: { header: (n: string) => string | undefined; param: (n: string) => string | undefined } }) => {
    const name = c.req.param('name')!;
    return wantsHtml(c.req.header('accept')) && !name.startsWith('-') ? name : null;
  };
  app.use('/:name', async (c, next) => {
    const name = isRead(c.req.method) ? pageOf(c) : null;
    if (!name) return void (await next());
    c.header('Vary', 'Accept');
    return c.redirect(packageUrl(name), 302);
  });
  app.use('/:name/:spec', async (c, next) => {
    const name = isRead(c.req.method) ? pageOf(c) : null;
    if (!name) return void (await next());
    c.header('Vary', 'Accept');
    return c.redirect(packageUrl(name, `?v=${encodeURIComponent(c.req.param('spec'))}`), 302);
  });
}
