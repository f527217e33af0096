import { Readable } from 'node:stream';
import { InputError } from '@unjucks/core';
import { publish } from '../registry/publish.js';
import { scopeOf } from '@unjucks/core';
import type { MiddlewareHandler } from 'hono';
import { assertTokenAllows, requireActor } from '../access/rights.js';
import type { App, AppEnv } from '../app-env.js';
import { audited } from '../middleware/audited.js';
import { publishSlot } from '../middleware/limits.js';
import { nativeRoute } from './native-route.js';
import { JsonObjectSchema } from '@unjucks/core/api-schemas';
import { z } from 'zod';

/**
 * Before the upload and before a publish slot: a token that may publish something. The name is in
 * the tarball's manifest, so the rights on the package itself are checked as soon as it is read.
 */
const mayPublish: MiddlewareHandler<AppEnv> = async (c, next) => {
  const actor = requireActor(c.get('actor'), 'publishing');
  if (!actor.actions.includes('publish:new')) assertTokenAllows(actor, 'publish:update', null);
  await next();
};

/** POST /api/v1/packages — the body is the tarball; name and version come from its manifest. */
export function packagesPublish(app: App) {
  nativeRoute(
    app,
    {
      method: 'post',
      path: '/api/v1/packages',
      summary: 'Publish a version: the body is the tarball; name and version come from its manifest',
      tags: ['packages'],
      auth: { kind: 'token', action: 'publish:update' },
      errors: ['invalid_name', 'invalid_version', 'invalid_manifest', 'invalid_tarball', 'version_exists', 'conflict', 'validation_failed'],
      query: z.object({ tag: z.string().optional().describe('The dist-tag to point at the new version (default latest).') }),
      // Streamed to the validator under its own size limit, never buffered as JSON.
      body: 'binary',
      responses: {
        201: { description: 'Published.', schema: JsonObjectSchema },
        200: { description: 'The same bytes were already published (an idempotent retry).', schema: JsonObjectSchema },
      },
      middleware: [audited('package.publish'), mayPublish, publishSlot],
    },
    async (c) => {
      const registry = c.get('registry');
      const length = Number(c.req.header('content-length') ?? NaN);
      if (length > registry.limits.maxTarballBytes)
        throw new InputError(`the tarball is larger than ${registry.limits.maxTarballBytes} bytes; remove large files or raise the limit`, 'payload_too_large');
      const raw = c.req.raw.body;
      if (!raw) throw new InputError('the request body must be the package tarball (.tgz)');
      const body = Readable.fromWeb(raw as import('node:stream/web').ReadableStream<Uint8Array>);
      try {
        const { status, result, timing, heard } = await publish(registry, c.get('actor'), body, {
          tag: c.req.valid('query').tag,
          onManifest: (name, version) => c.set('audit', { target: name, org: scopeOf(name), detail: { version } }),
        });
        c.header('Server-Timing', timing);
        if (heard) c.set('writeHeard', true);
        return c.json(result, status);
      } finally {
        body.destroy();
      }
    },
  );
}
