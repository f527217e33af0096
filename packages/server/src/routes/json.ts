import { createHash } from 'node:crypto';
import { readJsonStream } from '../json-body.js';
import type { Ctx } from './app-env.js';
import { matchesEtag, sendRenderedBytes } from '../cache/send.js';

/**
 * A JSON response with a strong ETag over its bytes, answering 304 to a matching If-None-Match.
 * Metadata is revalidated on every use (no-cache), so a publish is seen by the next install.
 */
export function jsonWithEtag(c: Ctx, body: unknown): Promise<Response> {
  const text = JSON.stringify(body);
  return sendRendered(c, { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` });
}

/** Sends JSON that was serialized (and its ETag computed) ahead of time, compressed as the client accepts. */
export function sendRendered(c: Ctx, r: { text: string; etag: string }): Promise<Response> {
  // An authenticated answer may hold a private package: no shared cache may keep it.
  return sendRenderedBytes(c, r, 'application/json; charset=utf-8', { 'Cache-Control': c.req.header('authorization') ? 'private, no-cache' : 'no-cache' });
}

export const ifNoneMatch = (c: Ctx, etag: string): boolean => matchesEtag(c.req.header('if-none-match'), etag);

/**
 * The request body as JSON, or a 4xx that says what was expected: 413 past `maxBytes` (64 KiB
 * unless the route says otherwise), 400 past `maxDepth` levels of nesting or for anything not JSON.
 */
export async function readJson(c: Ctx, expected: string, limits: { maxBytes?: number; maxDepth?: number } = {}): Promise<unknown> {
  return readJsonStream(c.req.raw.body, { expected, ...limits });
}
