import type { Ctx } from '../app-env.js';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { accepted, bytesNow, encodedBytes, pickEncoding, type Renderable } from './encoded.js';
import { respondWithId } from '../middleware/request-log.js';

/** An answer as plain data: the route sends it through Hono (respond), the hot reads straight to the socket (hot-reads.ts). */
export interface Answer {
  status: number;
  /** May be shared by many answers (a rendered document's are kept with it): frozen; a sender copies it to add to it. */
  headers: Readonly<Record<string, string>>;
  /** The same headers as name, value, name, value: what the hot reads give writeHead, with the request id appended to a copy (never to this). */
  flat: readonly string[];
  body: Uint8Array | ReadableStream | null;
}

/** The headers of an answer, frozen, in both forms. */
export function head(headers: Record<string, string>): Pick<Answer, 'headers' | 'flat'> {
  const flat: string[] = [];
  for (const k in headers) flat.push(k, headers[k]!);
  // The flat form is not frozen: copying a frozen array (the hot reads do, to add the request id) is ten times slower.
  return { headers: Object.freeze(headers), flat };
}

export const answerOf = (status: number, headers: Record<string, string>, body: Answer['body']): Answer => ({ status, ...head(headers), body });

/** The request headers an answer depends on: Hono's c.req, or the hot reads' view of the incoming message. */
export interface Asked {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

export const respond = (c: Ctx, a: Answer): Response => respondWithId(c, a.body, a.status, { ...a.headers });

/** Whether If-None-Match names this ETag (weak or strong), or is `*`. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/**
 * A document rendered ahead of time: 304 when If-None-Match names its ETag, else its bytes in the
 * best encoding the client accepts (precompressed once per revision, sent as soon as made), with their length.
 */
export function renderedAnswer(
  req: Asked,
  r: Renderable & { etag: string },
  contentType: string,
  cacheControl: string,
  vary: string,
): Answer | Promise<Answer> {
  if (matchesEtag(req.header('if-none-match'), r.etag)) return keptAnswer(r, 304, null, contentType, cacheControl, vary);
  const accept = req.header('accept-encoding');
  // No await when the bytes are at hand (in steady state; and for a large document, whatever is
  // acceptable while its compressed copy is made): no extra turn through the microtask queue.
  const now = bytesNow(r, accept);
  return now
    ? keptAnswer(r, 200, now, contentType, cacheControl, vary)
    : encodedBytes(r, pickEncoding(accept)).then((e) => keptAnswer(r, 200, e, contentType, cacheControl, vary));
}

/**
 * Each rendering's answers, by what their headers depend on: the same request gets the same
 * answer object, so a cached read builds no headers at all. They go with the rendering, which
 * lives as long as its snapshot's revision. A slot per status, encoding and Cache-Control; the
 * content type and Vary (one per call site) are checked, and a mismatch only builds it again.
 */
const answersOf = new WeakMap<object, (KeptAnswer | undefined)[]>();
type KeptAnswer = Answer & { contentType: string; vary: string };
const ENCODING_SLOT: Record<string, number> = { identity: 1, gzip: 2, br: 3 };
const CACHE_SLOT: Record<string, number> = { 'no-cache': 0, 'private, no-cache': 4, 'no-store': 8 };

function keptAnswer(
  r: Renderable & { etag: string },
  status: 200 | 304,
  e: { bytes: Uint8Array; encoding: string } | null,
  contentType: string,
  cacheControl: string,
  vary: string,
): Answer {
  let kept = answersOf.get(r);
  if (!kept) answersOf.set(r, (kept = []));
  const cacheSlot = CACHE_SLOT[cacheControl];
  const slot = cacheSlot === undefined ? -1 : cacheSlot + (e ? (ENCODING_SLOT[e.encoding] ?? -100) : 0);
  let a = slot >= 0 ? kept[slot] : undefined;
  if (!a || a.contentType !== contentType || a.vary !== vary) {
    a = { ...documentAnswer(status, r.etag, e, contentType, cacheControl, vary), contentType, vary };
    if (slot >= 0) kept[slot] = a;
  }
  return a;
}

/** A document's answer and its headers, whether the document was rendered here (keptAnswer) or stored (storedAnswer). */
function documentAnswer(
  status: 200 | 304,
  etag: string,
  e: { bytes: Uint8Array; encoding: string } | null,
  contentType: string,
  cacheControl: string,
  vary: string,
): Answer {
  const headers: Record<string, string> = { ETag: etag, 'Cache-Control': cacheControl, Vary: `${vary}, Accept-Encoding` };
  if (e) {
    headers['Content-Type'] = contentType;
    headers['Content-Length'] = String(e.bytes.byteLength);
    if (e.encoding !== 'identity') headers['Content-Encoding'] = e.encoding;
  }
  return answerOf(status, headers, e ? e.bytes : null);
}

const gunzipAsync = promisify(gunzip);
/** Past this many gzipped bytes, inflating waits in zlib's thread pool instead of holding the event loop. */
const INFLATE_ON_LOOP_BYTES = 16 * 1024;

/**
 * A stored document's answer (registry/stored-documents.ts), with the headers renderedAnswer gives
 * the same document: 304 when If-None-Match names its ETag, else its gzip bytes as they are to a
 * client that takes gzip (npm, pnpm and yarn do; one that prefers brotli gets gzip too), else the
 * bytes inflated. Null when the client takes neither gzip nor the bytes as they are (the document is
 * then rendered, and compressed as it asks). Sent once: nothing is kept.
 */
export function storedAnswer(
  req: Asked,
  d: { etag: string; gzip: Uint8Array },
  contentType: string,
  cacheControl: string,
  vary: string,
): Answer | Promise<Answer> | null {
  if (matchesEtag(req.header('if-none-match'), d.etag)) return documentAnswer(304, d.etag, null, contentType, cacheControl, vary);
  const { gzip, identity } = accepted(req.header('accept-encoding'));
  const send = (bytes: Uint8Array, encoding = 'identity') => documentAnswer(200, d.etag, { bytes, encoding }, contentType, cacheControl, vary);
  if (gzip) return send(d.gzip, 'gzip');
  if (!identity) return null;
  if (d.gzip.byteLength <= INFLATE_ON_LOOP_BYTES) return send(gunzipSync(d.gzip));
  return gunzipAsync(d.gzip).then((bytes) => send(bytes));
}
