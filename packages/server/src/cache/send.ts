import type { Ctx } from '../app-env.js';
import { bytesNow, encodedBytes, pickEncoding } from './encoded.js';
import { respondWithId } from '../middleware/request-log.js';

/** An answer as plain data: the route sends it through Hono (respond), the hot reads straight to the socket (hot-reads.ts). */
export interface Answer {
  status: number;
  /** Built for this answer alone: the sender may add to it (the request id). */
  headers: Record<string, string>;
  body: Uint8Array | ReadableStream | null;
}

/** The request headers an answer depends on: Hono's c.req, or the hot reads' view of the incoming message. */
export interface Asked {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

export const respond = (c: Ctx, a: Answer): Response => respondWithId(c, a.body, a.status, a.headers);

/** Whether If-None-Match names this ETag (weak or strong), or is `*`. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/**
 * A document rendered ahead of time: 304 when If-None-Match names its ETag, else its bytes in the
 * best encoding the client accepts (precompressed once per revision, sent as soon as made), with their length.
 */
export function renderedAnswer(req: Asked, r: { text: string; etag: string }, contentType: string, headers: Record<string, string>): Answer | Promise<Answer> {
  const vary = headers.Vary ? `${headers.Vary}, Accept-Encoding` : 'Accept-Encoding';
  if (matchesEtag(req.header('if-none-match'), r.etag)) return { status: 304, headers: { ...headers, ETag: r.etag, Vary: vary }, body: null };
  const accept = req.header('accept-encoding');
  // No await when the bytes are at hand (in steady state; and for a large document, whatever is
  // acceptable while its compressed copy is made): no extra turn through the microtask queue.
  const now = bytesNow(r, accept);
  return now
    ? withBytes(headers, r.etag, vary, contentType, now)
    : encodedBytes(r, pickEncoding(accept)).then((e) => withBytes(headers, r.etag, vary, contentType, e));
}

function withBytes(headers: Record<string, string>, etag: string, vary: string, contentType: string, e: { bytes: Uint8Array; encoding: string }): Answer {
  // One object with every header at once: adding them one by one to a spread copy cost more than the rest of this.
  const out: Record<string, string> = { ...headers, ETag: etag, Vary: vary, 'Content-Type': contentType, 'Content-Length': String(e.bytes.byteLength) };
  if (e.encoding !== 'identity') out['Content-Encoding'] = e.encoding;
  return { status: 200, headers: out, body: e.bytes };
}
