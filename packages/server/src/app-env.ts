import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Actor } from './auth/tokens.js';
import type { RegistryContext } from './registry/context.js';
import type { WebSession } from './web/session.js';
import type { Asked } from './cache/send.js';

/** What a handler adds to its audit record (see audited.ts). */
export interface AuditExtra {
  /** When one route does several things (npm's PUT), what this request turned out to be. */
  action?: string;
  actor?: string;
  target?: string;
  org?: string | null;
  detail?: Record<string, unknown>;
}

export interface AppEnv {
  Variables: {
    actor: Actor | null;
    registry: RegistryContext;
    ip: string;
    audit?: AuditExtra;
    /** This replica's publish slots (middleware/limits.ts); null when unlimited. */
    publishSlots: MiddlewareHandler<AppEnv> | null;
    /** This replica's per-address guard on password checks (middleware/limits.ts); null when unlimited. */
    passwordChecks: MiddlewareHandler<AppEnv> | null;
    /** The signed-in browser session on web pages (web/session.ts); null elsewhere. */
    session: WebSession | null;
    /** How errors read: set to 'native' on /api/ (middleware/error-handler.ts); npm's shape otherwise. */
    errorShape?: 'native' | 'npm';
    /** This request's id (middleware/request-log.ts), echoed as X-Request-Id. */
    requestId?: string;
    /** Its write's own notice was heard: read-your-writes holds without a barrier (cache/read-your-writes.ts). */
    writeHeard?: boolean;
  };
}

export type App = OpenAPIHono<AppEnv>;
/** The npm protocol's sub-app (routes/npm/): plain Hono, as npm's routes are not in the OpenAPI document. */
export type NpmApp = Hono<AppEnv>;
export type Ctx = Context<AppEnv>;

/**
 * What the hot read routes use of a request: Hono's context satisfies it, and so does the view the
 * hot reads build over the incoming message when they skip the framework (hot-reads.ts).
 */
export interface ReadCtx {
  req: Asked & { param(name: string): string | undefined };
  get(key: 'registry'): RegistryContext;
  get(key: 'actor'): Actor | null;
}

/** The package name from the route, decoded (`@scope%2Fname` and `@scope/name` both arrive here as `@scope/name`). */
export const nameParam = (c: Pick<ReadCtx, 'req'>) => c.req.param('name')!;
