import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export type Encoding = 'br' | 'gzip' | 'identity';

/** Smaller than this, compressing costs more than the bytes it saves. */
const MIN_COMPRESS_BYTES = 1024;
const BROTLI_QUALITY = 4;

/** A rendered document's bytes in each encoding, built once (on first demand) per revision. */
type Bytes = Uint8Array<ArrayBuffer>;

/**
 * A document to send: its bytes as rendered (a cached rendering keeps only these, not its text as
 * well: the text would double what a cached document holds), or a text encoded on first use.
 */
export type Renderable = { readonly bytes: Bytes } | { readonly text: string };

interface Encoded {
  identity: Bytes;
  gzip?: Promise<Bytes>;
  br?: Promise<Bytes>;
  /** The compressed copies once made: a hot read takes them without waiting on a settled promise. */
  done: { gzip?: Bytes; br?: Bytes };
}

const byRendering = new WeakMap<Renderable, Encoded>();

/** What an Accept-Encoding header takes: the encoding to prefer, and what else will do. */
interface Accepted {
  best: Encoding;
  gzip: boolean;
  /** The bytes as they are: acceptable unless refused (identity;q=0, or *;q=0 without naming identity). */
  identity: boolean;
}

const NOTHING_SAID: Accepted = { best: 'identity', gzip: false, identity: true };
let lastHeader: string | undefined;
let lastAccepted: Accepted = NOTHING_SAID;

export function accepted(header: string | undefined): Accepted {
  if (!header) return NOTHING_SAID;
  // One client sends the same header on every request: parse it once.
  if (header === lastHeader) return lastAccepted;
  lastAccepted = parseAcceptEncoding(header);
  lastHeader = header;
  return lastAccepted;
}

/**
 * The encoding to send for an Accept-Encoding header: brotli, then gzip, when the client takes
 * them (a q=0 refuses one), else the bytes as they are.
 */
export function pickEncoding(header: string | undefined): Encoding {
  return accepted(header).best;
}

function parseAcceptEncoding(header: string): Accepted {
  let br = false;
  let gz = false;
  let identity: boolean | undefined;
  let star: boolean | undefined;
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const refused = params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
    if (name === 'br') br = !refused;
    else if (name === 'gzip' || name === 'x-gzip') gz = !refused;
    else if (name === 'identity') identity = !refused;
    else if (name === '*') {
      star = !refused;
      if (!refused) gz = true;
    }
  }
  return { best: br ? 'br' : gz ? 'gzip' : 'identity', gzip: gz, identity: identity ?? star ?? true };
}

/**
 * The bytes of `rendered` in `encoding` and the encoding they really are in (small documents go as
 * they are). Keyed by the rendering object, which lives as long as its snapshot's revision, so the
 * copies go with it.
 */
export async function encodedBytes(rendered: Renderable, encoding: Encoding): Promise<{ bytes: Bytes; encoding: Encoding }> {
  const ready = readyBytes(rendered, encoding);
  if (ready) return ready;
  const e = encodings(rendered);
  const source = e.identity;
  // Off the event loop (zlib's thread pool); concurrent first readers share one compression.
  // Brotli at quality 4: a document is compressed again after every write to its package, while
  // its first readers wait; on a 600 KB package document quality 4 takes 3.3 ms and 16.2 KB,
  // quality 6 5.2 ms and 15.7 KB (still a third smaller than gzip's 21 KB).
  const bytes =
    encoding === 'gzip'
      ? await (e.gzip ??= gzipAsync(source, { level: 6 }).then((b) => (e.done.gzip = new Uint8Array(b))))
      : await (e.br ??= brotliAsync(source, {
          params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: source.byteLength },
        }).then((b) => (e.done.br = new Uint8Array(b))));
  return { bytes, encoding };
}

function encodings(rendered: Renderable): Encoded {
  let e = byRendering.get(rendered);
  if (!e) {
    e = { identity: 'bytes' in rendered ? rendered.bytes : new TextEncoder().encode(rendered.text), done: {} };
    byRendering.set(rendered, e);
  }
  return e;
}

/** What encodedBytes would answer, when it is at hand without waiting (null while a copy is being made). */
export function readyBytes(rendered: Renderable, encoding: Encoding): { bytes: Bytes; encoding: Encoding } | null {
  const e = encodings(rendered);
  if (encoding === 'identity' || e.identity.byteLength < MIN_COMPRESS_BYTES) return { bytes: e.identity, encoding: 'identity' };
  const bytes = e.done[encoding];
  return bytes ? { bytes, encoding } : null;
}

/**
 * From this size on, a reader does not wait for a compressed copy being made: a 600 KB document
 * takes milliseconds to compress, and every reader arriving meanwhile would wait with the first.
 * A smaller one is compressed in well under a millisecond: waiting costs less than sending it whole.
 */
const NO_WAIT_BYTES = 64 * 1024;

/**
 * The bytes to send at once when they are at hand, or null when waiting for encodedBytes is
 * better. The encoding the client prefers, when its copy is made. Else, for a large document
 * (starting that copy for the next readers): gzip when made and taken, else the bytes as they are,
 * unless the client refuses them. So the first readers after a write are not held up by compressing
 * the new document.
 */
export function bytesNow(rendered: Renderable, header: string | undefined): { bytes: Bytes; encoding: Encoding } | null {
  const { best, gzip, identity } = accepted(header);
  const ready = readyBytes(rendered, best);
  if (ready) return ready;
  if (encodings(rendered).identity.byteLength < NO_WAIT_BYTES) return null;
  encodedBytes(rendered, best).catch(() => undefined);
  const gz = best === 'br' && gzip ? readyBytes(rendered, 'gzip') : null;
  if (gz) return gz;
  return identity ? readyBytes(rendered, 'identity') : null;
}
