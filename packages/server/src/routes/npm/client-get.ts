import { createHash } from 'node:crypto';
import { CLIENT_PACKAGE, clientPackage, clientPackument } from '../../npm/client-package.js';
import { nameParam, type NpmApp } from '../../app-env.js';
import { ifNoneMatch } from '../json.js';

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
    const etag = `"${createHash('sha1').update(text).digest('base64url')}"`;
    const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
    if (ifNoneMatch(c, etag)) return c.body(null, 304, headers);
    return c.body(text, 200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  });
  app.get('/:name/-/:file', async (c, next) => {
    const p = nameParam(c) === CLIENT_PACKAGE ? await clientPackage() : null;
    if (!p || c.req.param('file') !== p.file) return next();
    return c.body(new Uint8Array(p.tarball), 200, {
      ETag: `"${p.shasum}"`,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(p.tarball.length),
    });
  });
}
