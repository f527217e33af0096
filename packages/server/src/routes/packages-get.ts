import { JsonObjectSchema, PackageNameParams } from '@unjucks/core/api-schemas';
import { getPackageDoc, packageDocOf, readableNow, storedDocument } from '../registry/read.js';
import { nameParam, type App, type ReadCtx } from '../app-env.js';
import { renderedJson, storedJson } from './json.js';
import { type Answer, respond } from '../cache/send.js';
import { nativeRoute } from './native-route.js';

/** GET /api/v1/packages/:name — every version, dist-tags and times. */
export function packagesGet(app: App) {
  nativeRoute(
    app,
    {
      method: 'get',
      path: '/api/v1/packages/{name}',
      summary: 'Read a package: every version, dist-tags and times',
      tags: ['packages'],
      auth: { kind: 'anonymous' },
      params: PackageNameParams,
      responses: { 200: { description: 'The package document.', schema: JsonObjectSchema }, 304: { description: 'Not modified (If-None-Match).' } },
    },
    async (c) => respond(c, await packageDocAnswer(c)),
  );
}

/**
 * The package document as an answer; the name as the route's params validated it (the hot reads
 * run the same schema before they call this).
 */
export async function packageDocAnswer(c: ReadCtx): Promise<Answer> {
  const registry = c.get('registry');
  const name = nameParam(c);
  const stored = await storedDocument(registry, name, 'package');
  return (stored && (await storedJson(c, stored))) || renderedJson(c, await getPackageDoc(registry, c.get('actor'), name));
}

/** What packageDocAnswer answers, when the snapshot and the encoded bytes are in memory; undefined when they are not. */
export function packageDocNow(c: ReadCtx): Answer | undefined {
  const registry = c.get('registry');
  const s = readableNow(registry, nameParam(c));
  const a = s && renderedJson(c, packageDocOf(registry, s));
  return a instanceof Promise ? undefined : a;
}
