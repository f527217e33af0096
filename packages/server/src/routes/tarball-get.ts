import { PackageNameParams } from '@unjucks/core/api-schemas';
import { z } from 'zod';
import { getTarball } from '../registry/read.js';
import { nameParam, type App, type Ctx } from '../app-env.js';
import { ifNoneMatch, immutableCacheHeaders } from './json.js';
import { nativeRoute } from './native-route.js';
import { respondWithId } from '../middleware/request-log.js';

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
  const registry = c.get('registry');
  const { blob, shasum, packageId, private: isPrivate, held } = await getTarball(registry, c.get('actor'), nameParam(c), c.req.param('file')!);
  const headers = immutableCacheHeaders(`"${shasum}"`, isPrivate);
  if (ifNoneMatch(c, headers.ETag)) return respondWithId(c, null, 304, headers);
  // A reviewer fetching a staged version is not a user installing it: popularity counts installs.
  if (!held) {
    registry.downloads.count(packageId);
    registry.metrics.download(nameParam(c), isPrivate);
  }
  // From the read cache the bytes are at hand: one write, no stream machinery.
  return respondWithId(c, blob.bytes ?? blob.stream(), 200, {
    ...headers,
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(blob.size),
  });
}
