import type { Ctx } from '../app-env.js';
import { encodedBytes, pickEncoding, readyBytes } from './encoded.js';
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
 * best encoding the client accepts (precompressed once per revision), with their length.
 */
export function renderedAnswer(req: Asked, r: { text: string; etag: string }, contentType: string, headers: Record<string, string>): Answer | Promise<Answer> {
  const vary = headers.Vary ? `${headers.Vary}, Accept-Encoding` : 'Accept-Encoding';
  const out: Record<string, string> = { ...headers, ETag: r.etag, Vary: vary };
  if (matchesEtag(req.header('if-none-match'), r.etag)) return { status: 304, headers: out, body: null };
  const wanted = pickEncoding(req.header('accept-encoding'));
  // In steady state the bytes are at hand: no await, so no extra turn through the microtask queue.
  const ready = readyBytes(r, wanted);
  return ready ? withBytes(out, contentType, ready) : encodedBytes(r, wanted).then((e) => withBytes(out, contentType, e));
}

function withBytes(out: Record<string, string>, contentType: string, { bytes, encoding }: { bytes: Uint8Array; encoding: string }): Answer {
  out['Content-Type'] = contentType;
  out['Content-Length'] = String(bytes.byteLength);
  if (encoding !== 'identity') out['Content-Encoding'] = encoding;
  return { status: 200, headers: out, body: bytes };
}
