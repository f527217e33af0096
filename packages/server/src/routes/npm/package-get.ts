import { resolveSpec } from '@unjucks/core';
import { notFound } from '../../registry/lookup.js';
import { readable, readableNow, storedDocument } from '../../registry/read.js';
import type { PackageSnapshot } from '../../registry/snapshot.js';
import type { DocumentKind } from '../../registry/stored-documents.js';
import { abbreviatedPackument, fullPackument, versionPackument } from '../../npm/packument.js';
import { nameParam, type NpmApp, type ReadCtx } from '../../app-env.js';
import { type Answer, respond } from '../../cache/send.js';
import { renderedJson, sendRendered, storedJson } from '../json.js';
import { serveTarball } from '../tarball-get.js';

const CORGI = 'application/vnd.npm.install-v1+json';

async function liveSnapshot(c: ReadCtx) {
  const name = nameParam(c);
  return live(name, await readable(c.get('registry'), c.get('actor'), name));
}

// npm treats a package with nothing left as gone.
function live(name: string, s: PackageSnapshot) {
  if (s.versions.size === 0) throw notFound(`package ${name} has no live versions; it was unpublished, and it was`);
  return s;
}

/** GET /:name — the packument: abbreviated for installers that ask for it, full otherwise. */
export const npmPackumentGet = (app: NpmApp) => app.get('/:name', async (c) => respond(c, await packumentAnswer(c)));

/** The packument as an answer (the hot reads write it themselves). */
export async function packumentAnswer(c: ReadCtx) {
  const kind = kindOf(c);
  const stored = await storedDocument(c.get('registry'), nameParam(c), kind);
  return (stored && (await storedJson(c, stored, typeOf(kind)))) || packumentOf(c, await liveSnapshot(c));
}

/** What packumentAnswer answers, when the snapshot and the encoded bytes are in memory; undefined when they are not. */
export function packumentNow(c: ReadCtx): Answer | undefined {
  const name = nameParam(c);
  const s = readableNow(c.get('registry'), name);
  const a = s && packumentOf(c, live(name, s));
  return a instanceof Promise ? undefined : a;
}

/** Installers that ask for it get the abbreviated document; everyone else, and npm's read before a write, the full one. */
const kindOf = (c: ReadCtx): 'npm:corgi' | 'npm:full' =>
  (c.req.header('accept') ?? '').includes(CORGI) && c.req.query('write') !== 'true' ? 'npm:corgi' : 'npm:full';

const typeOf = (kind: DocumentKind) => (kind === 'npm:corgi' ? CORGI : 'application/json');

function packumentOf(c: ReadCtx, s: PackageSnapshot) {
  const registry = c.get('registry');
  const kind = kindOf(c);
  const r = kind === 'npm:corgi' ? abbreviatedPackument(registry.publicUrl, s) : fullPackument(registry.publicUrl, s);
  registry.documents?.offer(s, kind, r);
  return renderedJson(c, r, typeOf(kind));
}

/** GET /:name/:version — one version (an exact version, a tag or a range). */
export const npmVersionGet = (app: NpmApp) =>
  app.get('/:name/:spec', async (c) => {
    const s = await liveSnapshot(c);
    const spec = c.req.param('spec');
    const chosen = resolveSpec(spec, [...s.versions.keys()], s.tags);
    if (!chosen) throw notFound(`no version of ${s.pkg.name} matching "${spec}" was`);
    return sendRendered(c, versionPackument(c.get('registry').publicUrl, s, chosen), 'application/json');
  });

/** GET /:name/-/:file — the tarball, at the URL the packument gives. */
export const npmTarballGet = (app: NpmApp) => app.get('/:name/-/:file', serveTarball);
