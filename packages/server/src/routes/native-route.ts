import { InputError } from '@unjucks/core';
import { ErrorBodySchema } from '@unjucks/core/api-schemas';
import type { RouteConfig } from '@hono/zod-openapi';
import type { Handler, MiddlewareHandler } from 'hono';
import { z, type ZodError, type ZodType } from 'zod';
import { requireActor } from '../access/rights.js';
import { readJsonStream } from '../json-body.js';
import type { App, AppEnv } from '../app-env.js';

/**
 * Who may call a route, as the shared route tests check it (test/routes.test.ts):
 * - `anonymous`: no token needed (reads; a private package answers 404 to outsiders);
 * - `token`: any valid token, 401 without one; `action` names the token action the route
 *   checks, so a token without it gets 403 naming it;
 * - `admin`: registry admins only (403 for others).
 */
export type RouteAuth = { kind: 'anonymous' | 'token' | 'admin'; action?: string };

type Method = 'get' | 'post' | 'put' | 'delete';
type Body = ZodType | 'binary';

export interface NativeRoute<P extends ZodType | undefined, Q extends ZodType | undefined, B extends Body | undefined> {
  method: Method;
  /** OpenAPI form: /api/v1/packages/{name}. */
  path: string;
  summary: string;
  tags: string[];
  auth: RouteAuth;
  params?: P;
  query?: Q;
  body?: B;
  /** The success answers: status → schema (null for an empty or non-JSON body). */
  responses: Record<number, { description: string; schema?: ZodType | null; contentType?: string }>;
  /** How the body was described in errors before the schemas: kept, as clients print it. */
  bodyExample?: string;
  /** For the 401 without a token: "<what> needs a token". */
  what?: string;
  /** Run before the request is validated (audit, rights that need no body), so a refused caller learns nothing about the body rules. */
  middleware?: MiddlewareHandler<AppEnv>[];
}

type Out<T> = T extends ZodType ? z.output<T> : never;
type Validated<P, Q, B> = {
  in: {};
  out: (P extends ZodType ? { param: Out<P> } : {}) & (Q extends ZodType ? { query: Out<Q> } : {}) & (B extends ZodType ? { json: Out<B> } : {});
};

export interface RouteEntry { method: Method; path: string; honoPath: string; auth: RouteAuth; summary: string }
const tables = new WeakMap<App, RouteEntry[]>();
/** Every route an app registered through nativeRoute, with its auth: the table the shared route tests read. */
export const nativeRoutesOf = (app: App): readonly RouteEntry[] => tables.get(app) ?? [];

/** A zod failure as the 400 a client can act on: the field that is wrong, and why. */
export function inputErrorFrom(error: ZodError): InputError {
  const issue = error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'the request';
  return new InputError(`${where}: ${issue.message}`, 'invalid_input', { issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
}

function validate(target: 'param' | 'query' | 'json', schema: ZodType, read: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => unknown): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const parsed = await schema.safeParseAsync(await read(c));
    if (!parsed.success) throw inputErrorFrom(parsed.error);
    c.req.addValidatedData(target, parsed.data as object);
    await next();
  };
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBodySchema } } });
const ERRORS = {
  400: errorResponse('The request is malformed: `error` names the field that is wrong.'),
  404: errorResponse('No such package, version or account (a private package reads as missing to outsiders).'),
  429: errorResponse('Too many requests; see Retry-After.'),
  503: errorResponse('A dependency is unavailable; see Retry-After.'),
};

/** The openapi description of a route: its security, parameters, body, and every answer. */
export function describe(def: NativeRoute<ZodType | undefined, ZodType | undefined, Body | undefined>): RouteConfig {
  const responses: RouteConfig['responses'] = { ...ERRORS };
  if (def.auth.kind !== 'anonymous' || def.auth.action) {
    responses[401] = errorResponse('No token, or one that is invalid or expired; see WWW-Authenticate.');
    responses[403] = errorResponse('The token lacks the action or package, or the user the role.');
  }
  for (const [status, r] of Object.entries(def.responses))
    responses[status] = r.schema ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : { description: r.description };
  const body = def.body === 'binary'
    ? { required: true, content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } } }
    : def.body
      ? { required: true, content: { 'application/json': { schema: def.body } } }
      : undefined;
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    tags: def.tags,
    security: def.auth.kind === 'anonymous' ? [{}, { bearer: [] }] : [{ bearer: [] }],
    request: { params: def.params, query: def.query, body } as RouteConfig['request'],
    responses,
  } as RouteConfig;
}

/**
 * Registers a native API route: its description in the app's OpenAPI registry, then the handler
 * behind the route's own middleware and the validators, so the handler reads typed values with
 * c.req.valid('param' | 'query' | 'json'). JSON bodies are read by readJsonStream, which keeps
 * the size and nesting limits and accepts a body whatever its Content-Type (as curl -d sends it).
 */
export function nativeRoute<P extends ZodType | undefined = undefined, Q extends ZodType | undefined = undefined, B extends Body | undefined = undefined>(
  app: App,
  def: NativeRoute<P, Q, B>,
  handler: Handler<AppEnv, string, Validated<P, Q, B>>,
) {
  app.openAPIRegistry.registerPath(describe(def));
  const honoPath = def.path.replaceAll(/\{([^}]+)\}/g, ':$1');
  if (!tables.has(app)) tables.set(app, []);
  tables.get(app)!.push({ method: def.method, path: def.path, honoPath, auth: def.auth, summary: def.summary });
  const chain: MiddlewareHandler<AppEnv>[] = [...(def.middleware ?? [])];
  // Identity before the body: a caller without a token learns nothing about the body's rules.
  // (Routes without a body or query leave the 401 to the function they call, which names the action.)
  if (def.auth.kind !== 'anonymous' && (def.body || def.query)) chain.push(async (c, next) => (requireActor(c.get('actor'), def.what ?? `${def.method.toUpperCase()} ${def.path}`), next()));
  if (def.params) chain.push(validate('param', def.params, (c) => c.req.param()));
  if (def.query) chain.push(validate('query', def.query, (c) => c.req.query()));
  if (def.body && def.body !== 'binary') {
    const expected = def.bodyExample ?? 'see /openapi.json';
    chain.push(validate('json', def.body, (c) => readJsonStream(c.req.raw.body, { expected })));
  }
  app.on([def.method.toUpperCase()], [honoPath], ...chain, handler as Handler<AppEnv>);
}
