import { PackageNameParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { getTarball, tarballInMemory } from '../registry/read.js';
import type { VersionRow } from '../registry/snapshot.js';
import { nameParam, type App, type Ctx, type ReadCtx } from '../app-env.js';
import { ifNoneMatch, immutableCacheHeaders } from './json.js';
import { nativeRoute } from './native-route.js';
import { type Answer, answerOf, head, respond } from '../cache/send.js';

/** GET /api/v1/packages/:name/-/:file — the stored bytes, streamed. A version's bytes never change. */
export function tarballGet(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}/-/{file}',
      summary: 'Download a tarball (immutable; a private one is cached privately)',
      tags: ['packages'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams.extend({ file: z.string().min(1).describe('name-1.2.3.tgz') }),
      responses: {
        200: { description: 'The tarball bytes.', schema: z.string().meta({ format: 'binary' }), contentType: 'application/octet-stream' },
        304: { description: 'Not modified (If-None-Match).' },
      },
    },
    // Shared with npm's tarball route, which has no validators: it reads the params itself.
    serveTarball,
  );
}

/** Streams a tarball; shared with npm's tarball route. */
export async function serveTarball(c: Ctx) {
  const { answer, counted } = await tarballAnswer(c);
  counted?.();
  return respond(c, answer);
}

/**
 * A tarball as an answer, and the download to count once it is sent (null for a 304, or for a
 * reviewer fetching a staged version). The hot reads (hot-reads.ts) count it only once they know
 * they answer; the route counts it at once.
 */
export async function tarballAnswer(c: ReadCtx): Promise<HotResult> {
  const registry = c.get('registry');
  const name = nameParam(c);
  const t = await getTarball(registry, c.get('actor'), name, c.req.param('file')!);
  return tarballResult(c, name, t.row, t.blob.bytes ?? t.blob.stream(), t.blob.size, t);
}

/** What tarballAnswer answers, when the package's snapshot and the bytes are in memory; undefined when they are not. */
export function tarballNow(c: ReadCtx): HotResult | undefined {
  const registry = c.get('registry');
  const name = nameParam(c);
  const t = tarballInMemory(registry, name, c.req.param('file')!);
  return t && tarballResult(c, name, t.row, t.bytes, t.bytes.byteLength, { packageId: t.packageId, private: t.private, held: false });
}

export interface HotResult {
  answer: Answer;
  counted: (() => void) | null;
}

/** The headers of a version's tarball, made once per version row and visibility. */
type Head = Pick<Answer, 'headers' | 'flat'> & { size: number };
const heads = new WeakMap<VersionRow, { public?: Head; private?: Head }>();

function tarballResult(
  c: ReadCtx,
  name: string,
  row: VersionRow,
  body: Uint8Array | ReadableStream,
  size: number,
  t: { packageId: number; private: boolean; held: boolean },
): HotResult {
  const registry = c.get('registry');
  const etag = `"${row.shasum}"`;
  if (ifNoneMatch(c, etag)) {
    if (!(body instanceof Uint8Array)) body.cancel().catch(() => undefined);
    return { answer: answerOf(304, immutableCacheHeaders(etag, t.private), null), counted: null };
  }
  let kept = heads.get(row);
  if (!kept) heads.set(row, (kept = {}));
  const visibility = t.private ? 'private' : 'public';
  let h = kept[visibility];
  if (h?.size !== size) {
    const headers = { ...immutableCacheHeaders(etag, t.private), 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) };
    h = kept[visibility] = { ...head(headers), size };
  }
  // From the read cache the bytes are at hand: one write, no stream machinery.
  const answer: Answer = { status: 200, headers: h.headers, flat: h.flat, body };
  // A reviewer fetching a staged version is not a user installing it: popularity counts installs.
  const counted = t.held
    ? null
    : () => {
        registry.downloads.count(t.packageId);
        registry.metrics.download(name, t.private);
      };
  return { answer, counted };
}
