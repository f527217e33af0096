import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { getPath } from 'hono/utils/url';
import { InputError, isInputError } from '@unjucks/core';
import { authenticate } from './auth/middleware.js';
import type { RegistryContext } from './registry/context.js';
import type { AppEnv } from './routes/app-env.js';
import { distTagsDelete } from './routes/dist-tags-delete.js';
import { distTagsGet } from './routes/dist-tags-get.js';
import { distTagsPut } from './routes/dist-tags-put.js';
import { health } from './routes/health.js';
import { ready } from './routes/ready.js';
import { metricsRoute } from './routes/metrics.js';
import { earlyLimits, passwordChecksPerAddress, publishConcurrency, tokenLimits, type RequestLimits } from './routes/limits.js';
import type { Metrics } from './metrics.js';
import { requestLog } from './routes/request-log.js';
import { JSON_BODY_LIMIT } from './json-body.js';
import { createLogger, loggableError, logPath, type Logger } from './log.js';
import { isConnectionError, UnavailableError } from './errors.js';
import { packagesGet } from './routes/packages-get.js';
import { packagesPublish } from './routes/packages-publish.js';
import { packagesResolve } from './routes/packages-resolve.js';
import { search } from './routes/search.js';
import { searchSuggest } from './routes/search-suggest.js';
import { tarballGet } from './routes/tarball-get.js';
import { tokensCreate } from './routes/tokens-create.js';
import { versionDeprecate } from './routes/version-deprecate.js';
import { versionReport } from './routes/version-report.js';
import { whoami } from './routes/whoami.js';
import { npmClientGet } from './routes/npm/client-get.js';
import { npmDistTagsDelete, npmDistTagsGet, npmDistTagsPut } from './routes/npm/dist-tags.js';
import { npmLogin, npmUserGet, npmWebLogin } from './routes/npm/login.js';
import { npmLogout } from './routes/npm/logout.js';
import { npmPackumentGet, npmTarballGet, npmVersionGet } from './routes/npm/package-get.js';
import { npmPackageDelete, npmPackagePut, npmPackagePutRev, npmTarballDelete } from './routes/npm/package-write.js';
import { npmPing } from './routes/npm/ping.js';
import { npmSearch } from './routes/npm/search.js';
import { npmTokensCreate, npmTokensDelete, npmTokensList } from './routes/npm/tokens.js';
import { npmWhoami } from './routes/npm/whoami.js';
import { packageUnpublish } from './routes/package-unpublish.js';
import { versionUnpublish } from './routes/version-unpublish.js';
import { clientIp } from './routes/client-ip.js';
import { NO_PROXY, type TrustProxy } from './client-address.js';
import { auditList } from './routes/audit-list.js';
import { authLogin } from './routes/auth-login.js';
import { jwks } from './routes/jwks.js';
import { keysRotate } from './routes/keys-rotate.js';
import { orgMembersDelete } from './routes/org-members-delete.js';
import { orgMembersList } from './routes/org-members-list.js';
import { orgMembersPut } from './routes/org-members-put.js';
import { orgInvitationsDelete } from './routes/org-invitations-delete.js';
import { orgInvitationsList } from './routes/org-invitations-list.js';
import { invitationsAccept } from './routes/invitations-accept.js';
import { invitationsDecline } from './routes/invitations-decline.js';
import { invitationsList } from './routes/invitations-list.js';
import { orgsRename } from './routes/orgs-rename.js';
import { orgsCreate } from './routes/orgs-create.js';
import { orgsList } from './routes/orgs-list.js';
import { packageAccessDelete } from './routes/package-access-delete.js';
import { packageAccessGet } from './routes/package-access-get.js';
import { packageAccessPut } from './routes/package-access-put.js';
import { packageVisibilityPut } from './routes/package-visibility-put.js';
import { scopeAccessDelete } from './routes/scope-access-delete.js';
import { scopeAccessGet } from './routes/scope-access-get.js';
import { scopeAccessPut } from './routes/scope-access-put.js';
import { scopeVisibilityPut } from './routes/scope-visibility-put.js';
import { teamMembersDelete } from './routes/team-members-delete.js';
import { teamMembersPut } from './routes/team-members-put.js';
import { teamsCreate } from './routes/teams-create.js';
import { teamsDelete } from './routes/teams-delete.js';
import { teamsList } from './routes/teams-list.js';
import { tokensDelete } from './routes/tokens-delete.js';
import { tokensList } from './routes/tokens-list.js';
import { usersCreate } from './routes/users-create.js';
import { usersDelete } from './routes/users-delete.js';
import { usersList } from './routes/users-list.js';
import { usersPassword } from './routes/users-password.js';
import { webPages } from './web/index.js';
import { inputErrorFrom } from './routes/native-route.js';
import { openapiJson } from './routes/openapi-json.js';
import { readYourWrites } from './cache/read-your-writes.js';

/**
 * A scoped name may arrive as one segment (`@scope%2Fname`, `%2f` as npm sends it) or two
 * (`@scope/name`, as in npm's tarball URLs). Folding every form into `@scope%2Fname` before routing
 * lets every route take a plain `:name`, on the native API and the npm routes alike.
 */
export function canonicalPath(path: string): string {
  return path.replace(/^(\/api\/v1\/packages\/|\/-\/package\/|\/)(?:@|%40)([^/%]+)(?:\/|%2[fF])/, '$1@$2%2F');
}

/** Routes no client authenticates to, and which must answer even when everything else is refused. */
const OPERATIONS = new Set(['/health', '/ready', '/metrics', '/.well-known/jwks.json']);


export interface AppOptions {
  logger?: Logger;
  /** What GET /ready checks; each throws when its part is unavailable. */
  readiness?: { database: () => Promise<void>; storage: () => Promise<void> };
  metrics?: Metrics;
  /** When set, GET /metrics requires it as a bearer token. */
  metricsToken?: string | null;
  limits?: RequestLimits;
  /** Which X-Forwarded-For hops to believe; defaults to limits.trustProxy, else none. */
  trustProxy?: TrustProxy;
}

export function createApp(registry: RegistryContext, opts: AppOptions = {}) {
  const logger = opts.logger ?? createLogger('error', () => undefined);
  const app = new OpenAPIHono<AppEnv>({
    getPath: (req) => canonicalPath(getPath(req)),
    // A route registered with app.openapi gets the same 400 as nativeRoute's validators: the field, then why.
    defaultHook: (result) => {
      if (!result.success) throw inputErrorFrom(result.error);
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'A registry token: `unjucks token create`, or POST /api/v1/auth/login.' });

  app.onError((err, c) => {
    if (isInputError(err)) {
      if (err.status === 401) c.header('WWW-Authenticate', 'Bearer realm="unjucks-registry"');
      if (err.status === 429) c.header('Retry-After', String((err.details as { retryAfter?: number } | undefined)?.retryAfter ?? 60));
      // npm prints `error`; the registry docs say clients look at `message` first: npm routes send both.
      const npm = !c.req.path.startsWith('/api/');
      return c.json({ error: err.message, ...(npm ? { message: err.message } : {}), ...err.details }, err.status);
    }
    const requestId = c.res.headers.get('x-request-id');
    if (err instanceof UnavailableError || isConnectionError(err)) {
      const message = err instanceof UnavailableError ? err.message : 'the database is unavailable; try again shortly';
      logger.log('warn', 'dependency unavailable', { requestId, method: c.req.method, path: logPath(c.req.path), error: loggableError(err) });
      c.header('Retry-After', String(err instanceof UnavailableError ? err.retryAfterSeconds : 5));
      return c.json({ error: message }, 503);
    }
    logger.log('error', 'unhandled error', { requestId, method: c.req.method, path: logPath(c.req.path), error: loggableError(err) });
    return c.json({ error: `internal error; the registry logged the details under request id ${requestId}` }, 500);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}; see the README for the API` }, 404));

  const publishSlots = opts.limits ? publishConcurrency(opts.limits.maxConcurrentPublishes, opts.limits.maxQueuedPublishes) : null;
  app.use('*', async (c, next) => {
    c.set('registry', registry);
    c.set('publishSlots', publishSlots);
    c.set('actor', null);
    c.set('ip', clientIp(c, opts.trustProxy ?? opts.limits?.trustProxy ?? NO_PROXY));
    await next();
  });
  app.use('*', requestLog(logger, opts.metrics));
  app.use('*', readYourWrites);
  if (opts.limits) {
    const early = earlyLimits(opts.limits);
    app.use('*', (c, next) => (OPERATIONS.has(c.req.path) ? next() : early(c, next)));
  }
  health(app);
  jwks(app);
  openapiJson(app);
  if (opts.readiness) ready(app, opts.readiness);
  if (opts.metrics) metricsRoute(app, opts.metrics, opts.metricsToken ?? null);
  app.use('*', authenticate);
  if (opts.limits) {
    app.use('*', tokenLimits(opts.limits));
    app.use('*', passwordChecksPerAddress(opts.limits.passwordChecksPerAddress ?? 2));
  }
  // JSON bodies are small; the publish upload streams under its own limits instead.
  const jsonLimit = bodyLimit({
    maxSize: JSON_BODY_LIMIT,
    onError: () => {
      throw new InputError(`the request body is larger than ${JSON_BODY_LIMIT} bytes; JSON requests are small`, 413, 'too-large');
    },
  });
  // GET and HEAD carry no body to limit, and asking for one makes node-server build the full Request.
  const bodyless = (c: { req: { method: string } }) => c.req.method === 'GET' || c.req.method === 'HEAD';
  app.use('/api/*', (c, next) => (bodyless(c) || (c.req.method === 'POST' && c.req.path === '/api/v1/packages') ? next() : jsonLimit(c, next)));
  app.use('/-/*', (c, next) => (bodyless(c) ? next() : jsonLimit(c, next)));

  packagesPublish(app);
  packagesGet(app);
  // Before the :spec route, which would otherwise take "dist-tags" or "access" for a spec.
  packageAccessGet(app);
  packageAccessPut(app);
  packageAccessDelete(app);
  packageVisibilityPut(app);
  distTagsGet(app);
  distTagsPut(app);
  distTagsDelete(app);
  tarballGet(app);
  versionReport(app);
  packagesResolve(app);
  versionDeprecate(app);
  versionUnpublish(app);
  packageUnpublish(app);
  tokensCreate(app);
  tokensList(app);
  tokensDelete(app);
  whoami(app);
  authLogin(app);
  usersCreate(app);
  usersList(app);
  usersDelete(app);
  usersPassword(app);
  orgsCreate(app);
  orgsList(app);
  orgMembersList(app);
  orgMembersPut(app);
  orgMembersDelete(app);
  orgInvitationsList(app);
  orgInvitationsDelete(app);
  invitationsList(app);
  invitationsAccept(app);
  invitationsDecline(app);
  orgsRename(app);
  teamsCreate(app);
  teamsList(app);
  teamsDelete(app);
  teamMembersPut(app);
  teamMembersDelete(app);
  scopeAccessGet(app);
  scopeAccessPut(app);
  scopeAccessDelete(app);
  scopeVisibilityPut(app);
  auditList(app);
  keysRotate(app);
  searchSuggest(app);
  search(app);

  // The web pages under /-/web/, and the redirect of browsers from npm URLs: before the npm catch-alls.
  webPages(app);

  // The npm registry protocol, beside the native API: `/-/` routes first, then the catch-all
  // package routes (a package cannot be named "-", and the operational routes above win).
  npmPing(app);
  npmWhoami(app);
  npmSearch(app);
  npmDistTagsGet(app);
  npmDistTagsPut(app);
  npmDistTagsDelete(app);
  npmLogin(app);
  npmUserGet(app);
  npmWebLogin(app);
  npmLogout(app);
  npmTokensList(app);
  npmTokensCreate(app);
  npmTokensDelete(app);
  npmClientGet(app);
  npmTarballGet(app);
  npmTarballDelete(app);
  npmPackageDelete(app);
  npmPackagePutRev(app);
  npmPackumentGet(app);
  npmVersionGet(app);
  npmPackagePut(app);
  return app;
}
