import { OpenAPIHono } from '@hono/zod-openapi';
import { getPath } from 'hono/utils/url';
import { authenticate } from './auth/middleware.js';
import type { RegistryContext } from './registry/context.js';
import type { App, AppEnv, Ctx } from './app-env.js';
import { distTagsDelete } from './routes/dist-tags-delete.js';
import { distTagsGet } from './routes/dist-tags-get.js';
import { distTagsPut } from './routes/dist-tags-put.js';
import { health } from './routes/health.js';
import { ready } from './routes/ready.js';
import { metricsRoute } from './routes/metrics.js';
import {
  earlyLimits,
  passwordChecksPerAddress,
  publishConcurrency,
  rateLimiters,
  tokenLimits,
  type RateLimiters,
  type RequestLimits,
} from './middleware/limits.js';
import type { Metrics } from './metrics.js';
import { RequestRecorder, requestLog } from './middleware/request-log.js';
import { jsonBodyLimit } from './middleware/json-body-limit.js';
import { errorResponse, renderErrors } from './middleware/error-handler.js';
import { createLogger, type Logger } from './log.js';
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
import { packageUnpublish } from './routes/package-unpublish.js';
import { versionUnpublish } from './routes/version-unpublish.js';
import { clientIp } from './middleware/client-ip.js';
import { skipFor } from './middleware/skip-for.js';
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
import { npmApp } from './routes/npm/index.js';
import { inputErrorFrom } from './routes/native-route.js';
import { openapiJson } from './routes/openapi-json.js';
import { oidcExchange } from './routes/oidc-exchange.js';
import { trustedPublishersAdd } from './routes/trusted-publishers-add.js';
import { trustedPublishersDelete } from './routes/trusted-publishers-delete.js';
import { trustedPublishersList } from './routes/trusted-publishers-list.js';
import { packageReviews } from './routes/package-reviews.js';
import { orgReviewPolicy, packageReviewPolicy } from './routes/review-policy.js';
import { versionApprove } from './routes/version-approve.js';
import { versionDiff } from './routes/version-diff.js';
import { versionReject } from './routes/version-reject.js';
import { hooksCreate } from './routes/hooks-create.js';
import { hooksDeliveries } from './routes/hooks-deliveries.js';
import { hooksDelete } from './routes/hooks-delete.js';
import { hooksList } from './routes/hooks-list.js';
import { hooksPing } from './routes/hooks-ping.js';
import { hooksRedeliver } from './routes/hooks-redeliver.js';
import { readYourWrites } from './cache/read-your-writes.js';

/**
 * A scoped name may arrive as one segment (`@scope%2Fname`, `%2f` as npm sends it) or two
 * (`@scope/name`, as in npm's tarball URLs). Folding every form into `@scope%2Fname` before routing
 * lets every route take a plain `:name`, on the native API and the npm routes alike.
 */
export function canonicalPath(path: string): string {
  return path.replace(/^(\/api\/v1\/packages\/|\/-\/package\/|\/)(?:@|%40)([^/%]+)(?:\/|%2[fF])/, '$1@$2%2F');
}

/** The path routes are matched on: Hono's, with a scoped name folded into one segment (canonicalPath). */
export const routingPath = (url: string) => canonicalPath(getPath({ url } as Request));

/** Routes no client authenticates to, and which must answer even when everything else is refused. */
const OPERATIONS = ['/health', '/ready', '/metrics', '/.well-known/jwks.json'];
/** The publish upload: the one /api/ route with a large body (it streams under its own limits). */
const PUBLISH_UPLOAD = '/api/v1/packages';

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

/** What an app's middleware holds that the hot reads share (hot-reads.ts): one bucket, one recorder. */
export interface AppParts {
  registry: RegistryContext;
  metrics?: Metrics;
  recorder: RequestRecorder;
  limits: RequestLimits;
  limiters: RateLimiters | null;
  trust: TrustProxy;
}
const parts = new WeakMap<object, AppParts>();
export const partsOf = (app: App): AppParts | undefined => parts.get(app);

export function createApp(registry: RegistryContext, opts: AppOptions = {}) {
  const logger = opts.logger ?? createLogger('error', () => undefined);
  const app = new OpenAPIHono<AppEnv>({
    getPath: (req) => routingPath(req.url),
    // A route registered with app.openapi gets the same 400 as nativeRoute's validators: the field, then why.
    defaultHook: (result) => {
      if (!result.success) throw inputErrorFrom(result.error);
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A registry token: `unjucks token create`, or POST /api/v1/auth/login.',
  });

  // Errors raised before a route answers (authentication, limits) reach this handler whatever the
  // path: the native API marks its requests (below); the rest are npm's or operational, in npm's shape.
  const flavour = (c: Ctx) => c.get('errorShape') ?? 'npm';
  app.onError(renderErrors(logger, flavour));
  app.notFound((c) => errorResponse(c, flavour(c), 'not_found', `no route for ${c.req.method} ${c.req.path}; see the README for the API`));
  app.use('/api/*', async (c, next) => {
    c.set('errorShape', 'native');
    await next();
  });

  const publishSlots = opts.limits ? publishConcurrency(opts.limits.maxConcurrentPublishes, opts.limits.maxQueuedPublishes) : null;
  // Routes that hash a password attach passwordCheck, which takes this guard.
  const passwordChecks = opts.limits ? passwordChecksPerAddress(opts.limits.passwordChecksPerAddress ?? 2) : null;
  const recorder = new RequestRecorder(logger, opts.metrics);
  const limiters = opts.limits ? rateLimiters(opts.limits) : null;
  const trust = opts.trustProxy ?? opts.limits?.trustProxy ?? NO_PROXY;
  if (opts.limits) parts.set(app, { registry, metrics: opts.metrics, recorder, limits: opts.limits, limiters, trust });
  // Not async: the first of every request's frames, kept to one.
  app.use('*', (c, next) => {
    c.set('registry', registry);
    c.set('publishSlots', publishSlots);
    c.set('passwordChecks', passwordChecks);
    c.set('actor', null);
    c.set('session', null);
    c.set('ip', clientIp(c, trust));
    return next();
  });
  app.use('*', requestLog(recorder));
  // Before anything can refuse: a replica that made a write waits to hear it (cache/read-your-writes.ts).
  app.use('*', readYourWrites);
  // The operational routes answer even when everything else is refused: no rate limit, no authentication.
  if (opts.limits && limiters) app.use('*', skipFor(OPERATIONS, earlyLimits(opts.limits, limiters.perIp)));
  health(app);
  jwks(app);
  openapiJson(app);
  if (opts.readiness) ready(app, opts.readiness);
  if (opts.metrics) metricsRoute(app, opts.metrics, opts.metricsToken ?? null);
  app.use('*', skipFor(OPERATIONS, authenticate));
  // Off (0) it would only add a layer to every request.
  if (limiters && opts.limits!.ratePerMinuteToken > 0) app.use('*', tokenLimits(limiters.perToken));
  // JSON bodies are small; the publish upload streams under its own limits instead.
  app.use('/api/*', skipFor([PUBLISH_UPLOAD], jsonBodyLimit));
  app.use('/-/*', jsonBodyLimit);

  packagesPublish(app);
  packagesGet(app);
  // Before the :spec route, which would otherwise take "dist-tags" or "access" for a spec.
  packageAccessGet(app);
  packageAccessPut(app);
  packageAccessDelete(app);
  packageVisibilityPut(app);
  trustedPublishersList(app);
  trustedPublishersAdd(app);
  trustedPublishersDelete(app);
  oidcExchange(app);
  distTagsGet(app);
  distTagsPut(app);
  distTagsDelete(app);
  tarballGet(app);
  versionReport(app);
  // Reviewed releases; before :spec too ("reviews", "review-policy").
  packageReviews(app);
  packageReviewPolicy(app);
  orgReviewPolicy(app);
  versionApprove(app);
  versionReject(app);
  versionDiff(app);
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
  hooksCreate(app);
  hooksList(app);
  hooksDelete(app);
  hooksPing(app);
  hooksDeliveries(app);
  hooksRedeliver(app);
  searchSuggest(app);
  search(app);

  // The web pages under /-/web/, and the redirect of browsers from npm URLs: before the npm catch-alls.
  webPages(app);

  // The npm registry protocol, beside the native API, as its own app with npm's error shape. Mounted
  // last: its catch-all package routes (`/:name`) would otherwise answer for the routes above (a
  // package cannot be named "-", so its `/-/` routes clash with nothing).
  app.route('/', npmApp(logger));
  return app;
}
