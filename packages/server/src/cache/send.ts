import type { Ctx } from '../app-env.js';
import { encodedBytes, pickEncoding, readyBytes } from './encoded.js';
import { respondWithId } from '../middleware/request-log.js';

/** Whether If-None-Match names this ETag (weak or strong), or is `*`. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/**
 * Sends a document rendered ahead of time: 304 when If-None-Match names its ETag, else its bytes
 * in the best encoding the client accepts (precompressed once per revision), with their length.
 */
export async function sendRenderedBytes(c: Ctx, r: { text: string; etag: string }, contentType: string, headers: Record<string, string>): Promise<Response> {
  const vary = headers.Vary ? `${headers.Vary}, Accept-Encoding` : 'Accept-Encoding';
  const out: Record<string, string> = { ...headers, ETag: r.etag, Vary: vary };
  if (matchesEtag(c.req.header('if-none-match'), r.etag)) return respondWithId(c, null, 304, out);
  const wanted = pickEncoding(c.req.header('accept-encoding'));
  // In steady state the bytes are at hand: no await, so no extra turn through the microtask queue.
  const { bytes, encoding } = readyBytes(r, wanted) ?? (await encodedBytes(r, wanted));
  out['Content-Type'] = contentType;
  out['Content-Length'] = String(bytes.byteLength);
  if (encoding !== 'identity') out['Content-Encoding'] = encoding;
  return respondWithId(c, bytes, 200, out);
}
