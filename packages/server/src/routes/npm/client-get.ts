import { createHash } from 'node:crypto';
import { CLIENT_PACKAGE, clientPackage, clientPackument } from '../../npm/client-package.js';
import { nameParam, type NpmApp } from '../../app-env.js';
import { immutableCacheHeaders, sendRendered } from '../json.js';

/**
 * GET /@unjucks/client and its tarball: the registry's own client, bundled at build time, so
 * `npx --registry URL @unjucks/client` works with nothing cloned. Other names fall through to the
 * stored packages.
 */
export function npmClientGet(app: NpmApp) {
  app.get('/:name', async (c, next) => {
    const p = nameParam(c) === CLIENT_PACKAGE ? await clientPackage() : null;
    if (!p) return next();
    const text = JSON.stringify(clientPackument(c.get('registry').publicUrl, p));
    return sendRendered(c, { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` });
  });
  app.get('/:name/-/:file', async (c, next) => {
    const p = nameParam(c) === CLIENT_PACKAGE ? await clientPackage() : null;
    if (!p || c.req.param('file') !== p.file) return next();
    return c.body(new Uint8Array(p.tarball), 200, {
      ...immutableCacheHeaders(`"${p.shasum}"`, false),
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(p.tarball.length),
    });
  });
}
