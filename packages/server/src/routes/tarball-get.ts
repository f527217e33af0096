import { PackageNameParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { getTarball } from '../registry/read.js';
import { nameParam, type App, type Ctx, type ReadCtx } from '../app-env.js';
import { ifNoneMatch, immutableCacheHeaders } from './json.js';
import { nativeRoute } from './native-route.js';
import { type Answer, respond } from '../cache/send.js';

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
export async function tarballAnswer(c: ReadCtx): Promise<{ answer: Answer; counted: (() => void) | null }> {
  const registry = c.get('registry');
  const name = nameParam(c);
  const { blob, shasum, packageId, private: isPrivate, held } = await getTarball(registry, c.get('actor'), name, c.req.param('file')!);
  const headers = immutableCacheHeaders(`"${shasum}"`, isPrivate);
  if (ifNoneMatch(c, headers.ETag)) return { answer: { status: 304, headers, body: null }, counted: null };
  // From the read cache the bytes are at hand: one write, no stream machinery.
  const answer = {
    status: 200,
    headers: { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
    body: blob.bytes ?? blob.stream(),
  };
  // A reviewer fetching a staged version is not a user installing it: popularity counts installs.
  const counted = held
    ? null
    : () => {
        registry.downloads.count(packageId);
        registry.metrics.download(name, isPrivate);
      };
  return { answer, counted };
}
