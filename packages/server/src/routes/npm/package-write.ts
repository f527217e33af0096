import { bodyLimit } from 'hono/body-limit';
import { InputError, type TokenAction } from '@unjucks/core';
import { assertMayWrite } from '../../access/write-gate.js';
import { publishSlot } from '../../middleware/limits.js';
import { npmPublish, npmUnpublish, npmUnpublishTarball, npmUpdate } from '../../npm/writes.js';
import { versionOfTarball } from '../../registry/read.js';
import { nameParam, type NpmApp, type Ctx } from '../../app-env.js';
import { audited, packageTarget } from '../../middleware/audited.js';
import { readJson } from '../json.js';

/** A publish document carries the tarball in base64 (4/3 of its size) plus the manifest. */
const limitFor = (c: Ctx) => Math.ceil((c.get('registry').limits.maxTarballBytes * 4) / 3) + 1024 * 1024;

const limited = (c: Ctx, next: () => Promise<void>) =>
  bodyLimit({
    maxSize: limitFor(c),
    onError: () => {
      throw new InputError(`the package document is larger than ${limitFor(c)} bytes; the tarball is over the registry's limit`, 'payload_too_large');
    },
  })(c, next);

/**
 * Before the body: the caller must be someone who could do one of `actions` on the package, so an
 * anonymous or unentitled PUT never uploads, never parses and never holds a publish slot.
 */
const mayWrite = (actions: readonly TokenAction[]) => async (c: Ctx, next: () => Promise<void>) => {
  await assertMayWrite(c.get('registry'), c.get('actor'), nameParam(c), actions, `changing ${nameParam(c)}`);
  await next();
};

const hasTarball = (body: unknown) =>
  typeof body === 'object' && body !== null && Object.keys((body as { _attachments?: object })._attachments ?? {}).some((k) => k.endsWith('.tgz'));

/** PUT /:name — npm publish (with a tarball attachment) or npm deprecate (the document, changed). */
export const npmPackagePut = (app: NpmApp) =>
  app.put('/:name', audited('package.update', packageTarget), mayWrite(['publish:new', 'publish:update', 'deprecate']), publishSlot, limited, async (c) => {
    const body = await readJson(c, 'a package document', { maxBytes: limitFor(c) });
    const registry = c.get('registry');
    if (hasTarball(body)) {
      const version = Object.keys((body as { versions?: object }).versions ?? {})[0];
      c.set('audit', { action: 'package.publish', detail: { version, via: 'npm' } });
      const { status, timing, heard, body: out } = await npmPublish(registry, c.get('actor'), nameParam(c), body);
      c.header('Server-Timing', timing);
      if (heard) c.set('writeHeard', true);
      return c.json(out, status === 201 ? 201 : 200);
    }
    const r = await npmUpdate(registry, c.get('actor'), nameParam(c), body, false);
    c.set('audit', { detail: { changes: r.changes, via: 'npm' } });
    return c.json(r);
  });

/** PUT /:name/-rev/:rev — npm unpublish of one version, npm owner add/rm. */
export const npmPackagePutRev = (app: NpmApp) =>
  app.put('/:name/-rev/:rev', audited('package.update', packageTarget), mayWrite(['deprecate', 'unpublish', 'owners']), limited, async (c) => {
    const r = await npmUpdate(c.get('registry'), c.get('actor'), nameParam(c), await readJson(c, 'a package document', { maxBytes: limitFor(c) }), true);
    c.set('audit', { detail: { changes: r.changes, via: 'npm' } });
    return c.json(r);
  });

/** DELETE /:name/-rev/:rev — npm unpublish --force of the whole package. */
export const npmPackageDelete = (app: NpmApp) =>
  app.delete('/:name/-rev/:rev', audited('package.unpublish', packageTarget), async (c) => {
    const r = await npmUnpublish(c.get('registry'), c.get('actor'), nameParam(c), null);
    c.set('audit', { detail: { versions: r.removed, via: 'npm' } });
    return c.json({ ok: true, ...r });
  });

/**
 * DELETE /:name/-/:file/-rev/:rev — the tarball step of npm unpublish name@version. The PUT before
 * it already removed the version; if it did not (another client), this removes it.
 */
export const npmTarballDelete = (app: NpmApp) =>
  app.delete('/:name/-/:file/-rev/:rev', audited('version.unpublish', packageTarget), async (c) => {
    const version = versionOfTarball(nameParam(c), c.req.param('file'));
    c.set('audit', { detail: { version, via: 'npm' } });
    await npmUnpublishTarball(c.get('registry'), c.get('actor'), nameParam(c), version);
    return c.json({ ok: true });
  });
