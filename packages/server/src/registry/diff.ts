import { createTwoFilesPatch } from 'diff';
import { InputError, readArchiveBytes, type Finding, type PackageFile } from '@unjucks/core';
import type { FileDiff, VersionDiffResponse } from '@unjucks/core/api-schemas';
import type { Actor } from '../auth/tokens.js';
import type { RegistryContext } from './context.js';
import { notFound } from './lookup.js';
import { readable } from './read.js';
import { heldVersion } from './reviewers.js';
import { storedReport, type PackageSnapshot, type VersionRow } from './snapshot.js';

/** A text file larger than this is listed as changed without a patch. */
const MAX_DIFF_FILE_BYTES = 1024 * 1024;
/** Patches stop being added past this much text in one answer (`truncated: true`). */
const MAX_PATCH_BYTES = 2 * 1024 * 1024;
/**
 * jsdiff's Myers diff costs O(N·D); past this many edits in one file it gives up (deterministic,
 * unlike a time budget), so a hostile pair of files cannot pin a CPU.
 */
const MAX_EDIT_LENGTH = 20_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text when the bytes are valid UTF-8 without NUL bytes; null for binary content. */
function textOf(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

async function filesOf(ctx: RegistryContext, v: VersionRow): Promise<Map<string, PackageFile>> {
  const blob = await ctx.store.get(v.blobKey);
  if (!blob) throw new Error(`blob ${v.blobKey} is missing from storage`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of blob.stream() as AsyncIterable<Uint8Array>) chunks.push(chunk);
  // The tarball passed the publish checks; "collect" never throws on what it would refuse.
  const { files } = await readArchiveBytes(Buffer.concat(chunks), ctx.limits, 'collect');
  return new Map(files.map((f) => [f.path, f]));
}

/** A live version, or a held one for its reviewers; 404 otherwise, as if it did not exist. */
async function visibleVersion(ctx: RegistryContext, actor: Actor | null, s: PackageSnapshot, version: string): Promise<VersionRow> {
  const row = s.versions.get(version) ?? (await heldVersion(ctx, actor, s, version));
  if (!row) throw notFound(`version ${version} of ${s.pkg.name} was`);
  return row;
}

const findingKey = (f: Finding) => `${f.rule}\u0000${f.file ?? ''}\u0000${f.message}`;
const summary = (f: Finding) => ({ rule: f.rule, severity: f.severity, file: f.file ?? null, message: f.message });

/** Findings in one list and not the other, compared by rule, file and message (lines move with edits). */
function findingsDiff(before: Finding[], after: Finding[]) {
  const was = new Set(before.map(findingKey));
  const now = new Set(after.map(findingKey));
  return { added: after.filter((f) => !was.has(findingKey(f))).map(summary), removed: before.filter((f) => !now.has(findingKey(f))).map(summary) };
}

function fileDiff(path: string, from: string, to: string, a: PackageFile | undefined, b: PackageFile | undefined): FileDiff {
  const status = !a ? 'added' : !b ? 'removed' : 'changed';
  const base = { path, status, sizeBefore: a?.bytes.length ?? null, sizeAfter: b?.bytes.length ?? null } as const;
  const textA = a ? textOf(a.bytes) : '';
  const textB = b ? textOf(b.bytes) : '';
  if (textA === null || textB === null) return { ...base, binary: true, patch: null };
  if ((a?.bytes.length ?? 0) > MAX_DIFF_FILE_BYTES || (b?.bytes.length ?? 0) > MAX_DIFF_FILE_BYTES)
    return { ...base, binary: false, patch: null, note: `larger than ${MAX_DIFF_FILE_BYTES} bytes; download both tarballs to compare it` };
  const patch = createTwoFilesPatch(a ? `a/${path}` : '/dev/null', b ? `b/${path}` : '/dev/null', textA, textB, from, to, {
    context: 3,
    maxEditLength: MAX_EDIT_LENGTH,
  });
  if (patch === undefined) return { ...base, binary: false, patch: null, note: 'too many changed lines to diff; download both tarballs to compare it' };
  const modeNote = a && b && a.mode !== b.mode ? { note: `mode ${(a.mode & 0o777).toString(8)} → ${(b.mode & 0o777).toString(8)}` } : {};
  return { ...base, binary: false, patch, ...modeNote };
}

/**
 * What changed between two versions of a package, for reviewers: files added, removed and changed
 * (a unified diff for text, binary files flagged), and the capabilities and findings that appear
 * or disappear between the two validation reports. Staged versions take part for those who may
 * review them; to everyone else they do not exist.
 */
export async function diffVersions(
  ctx: RegistryContext,
  actor: Actor | null,
  name: string,
  from: string | undefined,
  to: string,
): Promise<VersionDiffResponse> {
  const s = await readable(ctx, actor, name);
  if (!from) throw new InputError(`say which version to compare ${name}@${to} with: ?from=1.2.3`);
  const [a, b] = [await visibleVersion(ctx, actor, s, from), await visibleVersion(ctx, actor, s, to)];
  // The findings are not in the snapshot's rows (ReportSummary): read with the files.
  const [filesA, filesB, reportA, reportB] = await Promise.all([filesOf(ctx, a), filesOf(ctx, b), storedReport(ctx.db, a.id), storedReport(ctx.db, b.id)]);
  const paths = [...new Set([...filesA.keys(), ...filesB.keys()])].sort();
  const files: FileDiff[] = [];
  let unchanged = 0;
  let budget = MAX_PATCH_BYTES;
  let truncated = false;
  for (const path of paths) {
    const fa = filesA.get(path);
    const fb = filesB.get(path);
    if (fa && fb && fa.bytes.equals(fb.bytes) && fa.mode === fb.mode) {
      unchanged++;
      continue;
    }
    if (budget <= 0) {
      truncated = true;
      files.push({
        path,
        status: !fa ? 'added' : !fb ? 'removed' : 'changed',
        binary: false,
        sizeBefore: fa?.bytes.length ?? null,
        sizeAfter: fb?.bytes.length ?? null,
        patch: null,
        note: 'left out: the answer reached its size limit',
      });
      continue;
    }
    const d = fileDiff(path, from, to, fa, fb);
    budget -= d.patch?.length ?? 0;
    files.push(d);
  }
  const capsA = new Set(a.report?.capabilities ?? []);
  const capsB = new Set(b.report?.capabilities ?? []);
  return {
    name,
    from,
    to,
    files,
    unchanged,
    capabilities: { added: [...capsB].filter((c) => !capsA.has(c)).sort(), removed: [...capsA].filter((c) => !capsB.has(c)).sort() },
    findings: findingsDiff(reportA?.findings ?? [], reportB?.findings ?? []),
    truncated,
  };
}
