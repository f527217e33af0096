import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { WebCtx, WebEnv } from './env.js';
import { csrfRefused, findSession, sameSecret } from './session.js';

/**
 * Every page: scripts and styles only from the registry's own files, nothing inline, images
 * only from the registry or data: URLs, frames only the registry's own preview frame, and no page
 * may be framed by another site.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The preview page may frame exactly the preview document. A path in frame-src also holds for
 * later navigations of the frame, so template code cannot send the frame to any other URL.
 */
export function previewPageCsp(c: WebCtx): string {
  const frames = [...ownOrigins(c)].map((o) => `${o}/-/web/preview-frame`).join(' ');
  return PAGE_CSP.replace("frame-src 'none'", `frame-src ${frames}`);
}

/**
 * The preview frame runs template code (the engines compile templates with `new Function`, hence
 * 'unsafe-eval'), so it gets nothing else: no network at all, no forms, no frames. Its opaque
 * origin (sandbox without allow-same-origin) keeps it from the registry's cookies and pages.
 */
export const FRAME_CSP = [
  // Sandboxed by its own header too, so even opened on its own (not in the page's frame) it has
  // an opaque origin and can reach nothing of the registry's.
  'sandbox allow-scripts',
  "default-src 'none'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self'",
  "connect-src 'none'",
  "img-src 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
].join('; ');

export const securityHeaders =
  (csp: string): MiddlewareHandler<WebEnv> =>
  async (c, next) => {
    await next();
    // A page may set a stricter or page-specific policy of its own (the preview page does).
    if (!c.res.headers.get('Content-Security-Policy')) c.header('Content-Security-Policy', csp);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    if (!c.res.headers.get('Cache-Control')) c.header('Cache-Control', 'private, no-store');
  };

/** Whether the registry is reached over https (PUBLIC_URL, or the request itself). */
export const isSecure = (c: WebCtx) => c.get('registry').publicUrl.startsWith('https:') || new URL(c.req.url).protocol === 'https:';

export const sessionCookieName = (c: WebCtx) => (isSecure(c) ? '__Host-unjucks_session' : 'unjucks_session');

/** Sets the signed-in user from the session cookie (a bearer token, if sent, wins). */
export const sessionAuth: MiddlewareHandler<WebEnv> = async (c, next) => {
  c.set('session', null);
  if (!c.get('actor')) {
    const secret = getCookie(c, sessionCookieName(c));
    const session = secret ? await findSession(c.get('registry'), secret, c.get('ip')) : null;
    if (session) {
      c.set('session', session);
      c.set('actor', session.actor);
    }
  }
  await next();
};

/** The origins this registry's own pages are served from. */
function ownOrigins(c: WebCtx): Set<string> {
  return new Set([new URL(c.get('registry').publicUrl).origin, new URL(c.req.url).origin]);
}

/**
 * A state-changing form must come from one of the registry's pages: the browser's Origin (or,
 * lacking it, Referer) must be the registry's own, and the form must carry the session's
 * synchronizer token. SameSite=Lax on the cookie is a third layer, not the only one.
 */
export function checkOrigin(c: WebCtx) {
  const origin = c.req.header('origin') ?? (c.req.header('referer') ? safeOrigin(c.req.header('referer')!) : null);
  if (!origin || !ownOrigins(c).has(origin)) throw csrfRefused();
}

export function checkCsrf(c: WebCtx, form: Record<string, unknown>) {
  checkOrigin(c);
  const session = c.get('session');
  if (!session || !sameSecret(form._csrf, session.csrf)) throw csrfRefused();
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
