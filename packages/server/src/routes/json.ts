import { createHash } from 'node:crypto';
import { readJsonStream } from '../json-body.js';
import type { Ctx } from '../app-env.js';
import { type Answer, type Asked, matchesEtag, renderedAnswer, respond, storedAnswer } from '../cache/send.js';
import type { Renderable } from '../cache/encoded.js';

/**
 * A JSON response with a strong ETag over its bytes, answering 304 to a matching If-None-Match.
 * Metadata is revalidated on every use (no-cache), so a publish is seen by the next install.
 */
export function jsonWithEtag(c: Ctx, body: unknown): Promise<Response> {
  const text = JSON.stringify(body);
  return sendRendered(c, { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` });
}

/**
 * The cache headers of package metadata, on the native API and npm's routes alike. A publish must
 * be seen by the next install: revalidate every time (ETag, 304). An authenticated answer may
 * hold a private package, so no shared cache may keep it; and what a `?write=true`
 * read-modify-write fetched (npm) is never kept at all. (ETag, this and Vary are the headers.)
 */
const metadataCacheControl = (c: { req: Asked }) =>
  c.req.query('write') === 'true' ? 'no-store' : c.req.header('authorization') ? 'private, no-cache' : 'no-cache';
const METADATA_VARY = 'Accept, Authorization';

/** A version's bytes never change: cached for a year, by shared caches only when the package is public. */
export const immutableCacheHeaders = (etag: string, isPrivate: boolean) => ({
  ETag: etag,
  'Cache-Control': `${isPrivate ? 'private' : 'public'}, max-age=31536000, immutable`,
});

/**
 * Sends JSON that was serialized (and its ETag computed) ahead of time: 304 on a matching
 * If-None-Match, else its bytes in the encoding the client accepts, precompressed once per revision.
 */
export async function sendRendered(c: Ctx, r: Renderable & { etag: string }, type = 'application/json'): Promise<Response> {
  return respond(c, await renderedJson(c, r, type));
}

/** What sendRendered sends, as an answer (the hot reads write it themselves). */
export const renderedJson = (c: { req: Asked }, r: Renderable & { etag: string }, type = 'application/json'): Answer | Promise<Answer> =>
  renderedAnswer(c.req, r, contentTypeOf(type), metadataCacheControl(c), METADATA_VARY);

/** What renderedJson sends for the same document, from its stored copy (registry/stored-documents.ts); null: render it instead. */
export const storedJson = (c: { req: Asked }, d: { etag: string; gzip: Uint8Array }, type = 'application/json') =>
  storedAnswer(c.req, d, contentTypeOf(type), metadataCacheControl(c), METADATA_VARY);

// Made once per type, not per request.
const contentTypes = new Map<string, string>();
const contentTypeOf = (type: string) => {
  let t = contentTypes.get(type);
  if (t === undefined) contentTypes.set(type, (t = `${type}; charset=utf-8`));
  return t;
};

export const ifNoneMatch = (c: { req: Asked }, etag: string): boolean => matchesEtag(c.req.header('if-none-match'), etag);

/**
 * The request body as JSON, or a 4xx that says what was expected: 413 past `maxBytes` (64 KiB
 * unless the route says otherwise), 400 past `maxDepth` levels of nesting or for anything not JSON.
 */
export async function readJson(c: Ctx, expected: string, limits: { maxBytes?: number; maxDepth?: number } = {}): Promise<unknown> {
  return readJsonStream(c.req.raw.body, { expected, ...limits });
}
