import type { Ctx } from '../app-env.js';
import { encodedBytes, pickEncoding } from './encoded.js';
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
export async function sendRenderedBytes(
  c: Ctx,
  r: { text: string; etag: string },
  contentType: string,
  headers: Record<string, string>,
): Promise<Response> {
  const vary = headers.Vary ? `${headers.Vary}, Accept-Encoding` : 'Accept-Encoding';
  const base = { ...headers, ETag: r.etag, Vary: vary };
  if (matchesEtag(c.req.header('if-none-match'), r.etag)) return respondWithId(c, null, 304, base);
  const { bytes, encoding } = await encodedBytes(r, pickEncoding(c.req.header('accept-encoding')));
  return respondWithId(c, bytes, 200, {
    ...base,
    'Content-Type': contentType,
    'Content-Length': String(bytes.byteLength),
    ...(encoding === 'identity' ? {} : { 'Content-Encoding': encoding }),
  });
}
