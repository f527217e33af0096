import { Readable } from 'node:stream';
import { InputError } from '@unjucks/core';
import { publish } from '../registry/publish.js';
import { scopeOf } from '@unjucks/core';
import type { App } from './app-env.js';
import { audited } from './audited.js';

/** POST /api/v1/packages — the body is the tarball; name and version come from its manifest. */
export function packagesPublish(app: App) {
  app.post('/api/v1/packages', audited('package.publish'), async (c) => {
    const registry = c.get('registry');
    const length = Number(c.req.header('content-length') ?? NaN);
    if (length > registry.limits.maxTarballBytes)
      throw new InputError(`the tarball is larger than ${registry.limits.maxTarballBytes} bytes; remove large files or raise the limit`, 413, 'too-large');
    const raw = c.req.raw.body;
    if (!raw) throw new InputError('the request body must be the package tarball (.tgz)');
    const body = Readable.fromWeb(raw as import('node:stream/web').ReadableStream<Uint8Array>);
    try {
      const { status, result } = await publish(registry, c.get('actor'), body, {
        tag: c.req.query('tag'),
        onManifest: (name, version) => c.set('audit', { target: name, org: scopeOf(name), detail: { version } }),
      });
      return c.json(result, status);
    } finally {
      body.destroy();
    }
  });
}
