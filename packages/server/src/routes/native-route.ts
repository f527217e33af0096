import { ERROR_CODES, InputError, type ErrorCode } from '@unjucks/core';
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
  /**
   * Error codes this route can answer beyond those every route can (bad input, a bad token, rate
   * limits, an unavailable dependency) and those its auth, params and body imply (forbidden,
   * not_found, payload_too_large): e.g. `conflict` for a name that is taken.
   */
  errors?: ErrorCode[];
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

export interface RouteEntry {
  method: Method;
  path: string;
  honoPath: string;
  auth: RouteAuth;
  summary: string;
  errors: ErrorCode[];
}
const tables = new WeakMap<App, RouteEntry[]>();
/** Every route an app registered through nativeRoute, with its auth: the table the shared route tests read. */
export const nativeRoutesOf = (app: App): readonly RouteEntry[] => tables.get(app) ?? [];

/** A zod failure as the 400 a client can act on: the field that is wrong, and why. */
export function inputErrorFrom(error: ZodError): InputError {
  const issue = error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'the request';
  return new InputError(`${where}: ${issue.message}`, 'invalid_input', { issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
}

function validate(
  target: 'param' | 'query' | 'json',
  schema: ZodType,
  read: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => unknown,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const parsed = await schema.safeParseAsync(await read(c));
    if (!parsed.success) throw inputErrorFrom(parsed.error);
    c.req.addValidatedData(target, parsed.data as object);
    await next();
  };
}

/** What an error status means on the native API; the body's `code` says which case it is. */
const ERROR_TEXT: Partial<Record<number, string>> = {
  400: 'The request is malformed: `error` names the field that is wrong.',
  401: 'No token, or one that is invalid or expired; see WWW-Authenticate.',
  403: 'The token lacks the action or package, or the user the role.',
  404: 'No such package, version or account (a private package reads as missing to outsiders).',
  409: 'The request clashes with what exists.',
  413: 'The body is larger than the limits allow.',
  422: 'The package breaks template rules; `report` lists every finding and how to fix it.',
  429: 'Too many requests; see Retry-After.',
  503: 'A dependency is unavailable; see Retry-After.',
};
/** Every route can answer these: a malformed request, a bad token, a rate limit, a dependency down. */
const ALWAYS: ErrorCode[] = ['bad_request', 'invalid_input', 'unauthorized', 'rate_limited', 'unavailable'];

/** The error codes a route can answer with, from its auth, params and body, and its own list. */
export function errorCodesOf(
  def: Pick<NativeRoute<ZodType | undefined, ZodType | undefined, Body | undefined>, 'auth' | 'params' | 'body' | 'errors'>,
): ErrorCode[] {
  const codes = new Set<ErrorCode>(ALWAYS);
  if (def.auth.kind !== 'anonymous' || def.auth.action) codes.add('forbidden');
  if (def.params) codes.add('not_found');
  if (def.body) codes.add('payload_too_large');
  for (const c of def.errors ?? []) codes.add(c);
  return [...codes];
}

/** One answer per error status, each with the shared error body and the codes it may carry. */
function errorResponses(codes: ErrorCode[]): RouteConfig['responses'] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  const out: RouteConfig['responses'] = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b))
    out[status] = {
      description: `${ERROR_TEXT[status] ?? 'An error.'} \`code\`: ${list.map((c) => `\`${c}\``).join(', ')}.`,
      content: { 'application/json': { schema: ErrorBodySchema } },
    };
  return out;
}

/** The openapi description of a route: its security, parameters, body, and every answer. */
export function describe(def: NativeRoute<ZodType | undefined, ZodType | undefined, Body | undefined>): RouteConfig {
  const responses: RouteConfig['responses'] = errorResponses(errorCodesOf(def));
  for (const [status, r] of Object.entries(def.responses))
    responses[status] = r.schema
      ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
      : { description: r.description };
  const body =
    def.body === 'binary'
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
  tables.get(app)!.push({ method: def.method, path: def.path, honoPath, auth: def.auth, summary: def.summary, errors: errorCodesOf(def) });
  const chain: MiddlewareHandler<AppEnv>[] = [...(def.middleware ?? [])];
  // Identity before the body: a caller without a token learns nothing about the body's rules.
  // (Routes without a body or query leave the 401 to the function they call, which names the action.)
  if (def.auth.kind !== 'anonymous' && (def.body || def.query))
    chain.push(async (c, next) => (requireActor(c.get('actor'), def.what ?? `${def.method.toUpperCase()} ${def.path}`), next()));
  if (def.params) chain.push(validate('param', def.params, (c) => c.req.param()));
  if (def.query) chain.push(validate('query', def.query, (c) => c.req.query()));
  if (def.body && def.body !== 'binary') {
    const expected = def.bodyExample ?? 'see /openapi.json';
    chain.push(validate('json', def.body, (c) => readJsonStream(c.req.raw.body, { expected })));
  }
  app.on([def.method.toUpperCase()], [honoPath], ...chain, handler as Handler<AppEnv>);
}
