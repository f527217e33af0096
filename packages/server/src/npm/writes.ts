import { Readable } from 'node:stream';
import { InputError, isInputError, scopeOf } from '@unjucks/core';
import { grantPackage, revokePackage } from '../access/grants.js';
import { requireActor } from '../access/rights.js';
import type { Actor } from '../auth/tokens.js';
import type { RegistryContext } from '../registry/context.js';
import { publish } from '../registry/publish.js';
import { readable } from '../registry/read.js';
import { deprecateVersion } from '../registry/tags.js';
import { unpublish } from '../registry/unpublish.js';
import { revOf } from './packument.js';

interface Attachment {
  data?: unknown;
  length?: unknown;
}

interface PutBody {
  name?: unknown;
  versions?: Record<string, { deprecated?: unknown } | undefined>;
  'dist-tags'?: Record<string, unknown>;
  maintainers?: unknown;
  _attachments?: Record<string, Attachment>;
}

const bad = (message: string) => new InputError(message);

function asBody(raw: unknown, name: string): PutBody {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('the body must be a package document (a JSON object)');
  const body = raw as PutBody;
  if (body.name !== undefined && body.name !== name) throw bad(`the document names ${JSON.stringify(body.name)} but the URL names ${name}`);
  if (body.versions !== undefined && (typeof body.versions !== 'object' || body.versions === null)) throw bad('"versions" must be an object');
  return body;
}

function decode(name: string, key: string, a: Attachment): Buffer {
  if (typeof a?.data !== 'string' || a.data.length === 0) throw bad(`attachment ${key} has no data; refusing an empty tarball`);
  const bytes = Buffer.from(a.data, 'base64');
  if (typeof a.length === 'number' && a.length !== bytes.length) throw bad(`attachment ${key} of ${name} says ${a.length} bytes but holds ${bytes.length}`);
  return bytes;
}

/**
 * `PUT /:name` with a tarball attachment: npm publish. The bytes are decoded and go through the
 * same publish as the native route: the client's `dist` (shasum, integrity, tarball URL) is never
 * trusted, only recomputed. A `.sigstore` attachment (--provenance) is kept with the version.
 */
export async function npmPublish(ctx: RegistryContext, actor: Actor | null, name: string, raw: unknown) {
  const body = asBody(raw, name);
  const attachments = Object.entries(body._attachments ?? {});
  const tarballs = attachments.filter(([k]) => k.endsWith('.tgz'));
  if (tarballs.length !== 1) throw bad(`a publish carries exactly one .tgz attachment; this one has ${tarballs.length}`);
  const versions = Object.keys(body.versions ?? {});
  if (versions.length !== 1) throw bad(`a publish carries exactly one version; this one has ${versions.length}`);
  const version = versions[0]!;
  const tag = Object.entries(body['dist-tags'] ?? {}).find(([, v]) => v === version)?.[0];
  const [key, attachment] = tarballs[0]!;
  const bytes = decode(name, key, attachment);
  const sigstore = attachments.find(([k]) => k.endsWith('.sigstore'));
  try {
    const { status, timing, heard } = await publish(ctx, actor, Readable.from([bytes]), {
      // "latest" is npm's default: let the registry's rule move it (never to a lower or prerelease version).
      tag: tag && tag !== 'latest' ? tag : undefined,
      // The tarball's package.json must name what the document names.
      expect: { name, version },
      provenance: sigstore ? decode(name, sigstore[0], sigstore[1]) : undefined,
    });
    return { status, timing, heard, body: { ok: true, id: name, success: true } };
  } catch (e) {
    if (isInputError(e) && e.status === 409)
      throw new InputError(`You cannot publish over the previously published versions: ${version}. (${e.message})`, e.code);
    throw e;
  }
}

/**
 * `PUT /:name` without a tarball (npm deprecate) and `PUT /:name/-rev/:rev` (npm unpublish of one
 * version, npm owner add/rm): the client sends the document back changed. Each difference maps to
 * the native operation, with its own permission check: deprecations, versions left out (unpublish),
 * maintainers added or removed (owner grants).
 */
export async function npmUpdate(ctx: RegistryContext, actor: Actor | null, name: string, raw: unknown, withRev: boolean) {
  requireActor(actor, `changing ${name}`);
  const body = asBody(raw, name);
  const s = await readable(ctx, actor, name);
  const changes: string[] = [];
  if (body.versions) {
    for (const [version, v] of Object.entries(body.versions)) {
      const row = s.versions.get(version);
      if (!row || !v) continue;
      const wanted = typeof v.deprecated === 'string' && v.deprecated !== '' ? v.deprecated : null;
      if (wanted !== row.deprecated) {
        await deprecateVersion(ctx, actor, name, version, wanted ?? '');
        changes.push(`${wanted ? 'deprecated' : 'undeprecated'} ${version}`);
      }
    }
    if (withRev) {
      for (const version of s.versions.keys())
        if (!(version in body.versions)) {
          await unpublish(ctx, actor, name, version);
          changes.push(`unpublished ${version}`);
        }
    }
  }
  if (withRev && Array.isArray(body.maintainers)) {
    const wanted = new Set(
      body.maintainers.map((m) => (typeof m === 'string' ? m : (m as { name?: unknown })?.name)).filter((n): n is string => typeof n === 'string'),
    );
    const current = new Set(s.maintainers);
    // A scoped package's people come from its org; npm owner maps to package grants either way.
    for (const user of wanted) if (!current.has(user)) await grantPackage(ctx, actor, name, user, { role: scopeOf(name) ? 'maintainer' : 'owner' });
    for (const user of current)
      if (!wanted.has(user))
        await revokePackage(ctx, actor, name, user).catch((e) => {
          // A publisher with no grant of their own is listed but holds nothing to remove.
          if (!(isInputError(e) && e.status === 404)) throw e;
        });
    changes.push('maintainers');
  }
  const after = await ctx.cache.get(ctx.db, name);
  return { ok: true, id: name, rev: revOf(after), changes };
}

export { unpublish as npmUnpublish };

/** The tarball step of npm unpublish: the PUT before it usually removed the version already. */
export async function npmUnpublishTarball(ctx: RegistryContext, actor: Actor | null, name: string, version: string) {
  requireActor(actor, `unpublishing ${name}@${version}`);
  const s = await ctx.cache.get(ctx.db, name);
  if (s.versions.has(version)) await unpublish(ctx, actor, name, version);
}
