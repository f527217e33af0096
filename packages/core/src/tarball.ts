import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { InputError } from './errors.js';
import { TarballHasher } from './integrity.js';
import { DEFAULT_LIMITS, type PackageLimits } from './limits.js';
import { parseManifest, TEMPLATES_DIR, type Manifest } from './manifest.js';

export interface PackageFile {
  /** Path below `package/`, with forward slashes. */
  path: string;
  mode: number;
  bytes: Buffer;
}

export interface ReadArchive {
  files: PackageFile[];
  /** Entries refused in collect mode (in strict mode the first one throws instead). */
  rejected: RejectedEntry[];
  integrity: string;
  shasum: string;
  sha512hex: string;
  /** Compressed size in bytes. */
  size: number;
  fileCount: number;
  unpackedSize: number;
  /** The exact bytes that were hashed; what gets stored. */
  tarball: Buffer;
}

export interface ReadTarball extends ReadArchive {
  manifest: Manifest;
  readme: string | null;
}

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);
const PREFIX = 'package/';

const bad = (msg: string) => new InputError(msg, 'invalid_tarball');
const tooBig = (msg: string) => new InputError(msg, 'payload_too_large');

export interface EntryProblem {
  /** Stable rule id, e.g. `tar/dotdot`. */
  rule: string;
  message: string;
}

/**
 * Why an entry path is unsafe, or null. Paths must sit under `package/` and stay there whatever
 * the platform: no absolute paths, `..`, backslashes, drive letters or control characters.
 */
export function entryPathProblem(raw: string, limits: Pick<PackageLimits, 'maxPathDepth' | 'maxPathLength'>): EntryProblem | null {
  const p = (rule: string, message: string) => ({ rule, message });
  if (raw.includes('\0')) return p('tar/nul', 'contains a NUL byte');
  // eslint-disable-next-line no-control-regex
  if (/[\x01-\x1f\x7f]/.test(raw)) return p('tar/control-char', 'contains a control character');
  if (raw.length > limits.maxPathLength) return p('tar/path-too-long', `is longer than ${limits.maxPathLength} characters`);
  if (raw.includes('\\')) return p('tar/backslash', 'contains a backslash');
  if (raw.startsWith('/')) return p('tar/absolute-path', 'is absolute');
  if (/^[A-Za-z]:/.test(raw) || /(^|\/)[A-Za-z]:/.test(raw)) return p('tar/drive-letter', 'contains a drive letter');
  const path = raw.replace(/\/$/, '');
  if (path === 'package') return null;
  if (!path.startsWith(PREFIX)) return p('tar/outside-package', 'is outside package/');
  const segments = path.slice(PREFIX.length).split('/');
  if (segments.some((s) => s === '..')) return p('tar/dotdot', 'contains a .. segment');
  if (segments.some((s) => s === '' || s === '.')) return p('tar/empty-segment', 'contains an empty or . segment');
  if (segments.length > limits.maxPathDepth) return p('tar/depth', `is deeper than ${limits.maxPathDepth} directories`);
  return null;
}

const TYPE_RULES: Record<string, string> = {
  Link: 'tar/link',
  SymbolicLink: 'tar/link',
  CharacterDevice: 'tar/device',
  BlockDevice: 'tar/device',
  FIFO: 'tar/fifo',
};

/** An entry the reader refused: links, devices, escaping paths, collisions. */
export interface RejectedEntry {
  path: string;
  rule: string;
  message: string;
}

/**
 * Two names that one file system may treat as one file: NFC, then full Unicode case folding
 * (upper-casing first expands ß to SS and ﬁ to FI, and maps ſ to S and ς to Σ; lower-casing then
 * brings each to its folded form), then NFC again for what folding decomposed. Per segment, the
 * code points HFS+ ignores are dropped and so are the trailing dots and spaces Windows drops.
 */
export const collisionKey = (p: string) =>
  p
    .split('/')
    .map((segment) => {
      const key = segment
        .replace(/[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g, '')
        .normalize('NFC')
        .toUpperCase()
        .toLowerCase()
        .normalize('NFC')
        .replace(/[. ]+$/, '');
      return key === '' ? segment : key;
    })
    .join('/');

/**
 * Reads a gzip tarball from a stream of chunks: hashes it, unpacks it in memory and checks every
 * entry and limit as the bytes arrive, so an oversized or hostile archive is stopped early. It
 * never touches the disk. Throws InputError: 400 when the bytes are not a readable tar.gz, 413 past
 * a limit. A refused entry (a link, a device, an escaping path, a collision) throws a 400 in strict
 * mode; in collect mode it is skipped and listed in `rejected`, for the validator to report.
 */
export async function readArchive(
  source: AsyncIterable<Uint8Array>,
  limitsIn: Partial<PackageLimits> = {},
  mode: 'strict' | 'collect' = 'strict',
): Promise<ReadArchive> {
  const limits = { ...DEFAULT_LIMITS, ...limitsIn };
  const rejected: RejectedEntry[] = [];
  const hasher = new TarballHasher();
  const chunks: Buffer[] = [];
  const files: PackageFile[] = [];
  const seen = new Map<string, string>();
  let unpackedSize = 0;
  let entries = 0;
  let decompressed = 0;
  let failure: Error | null = null;

  const gunzip = createGunzip();
  const parser = new Parser({ strict: true, maxDepth: limits.maxPathDepth + 1 });

  // After the end-of-archive marker node-tar buffers (and re-concatenates) whatever follows,
  // which is quadratic on a long zero-filled tail; the rest only needs counting.
  let sawEof = false;
  parser.on('eof', () => (sawEof = true));

  const fail = (e: Error) => {
    if (!failure) failure = e;
    gunzip.destroy();
  };

  const reject = (entry: ReadEntry, path: string, rule: string, message: string) => {
    entry.resume();
    if (mode === 'strict') return fail(bad(message));
    rejected.push({ path, rule, message });
  };

  parser.on('entry', (entry: ReadEntry) => {
    if (failure) return entry.resume();
    const raw = entry.path;
    const problem = entryPathProblem(raw, limits);
    if (problem) return reject(entry, raw, problem.rule, `tarball entry "${raw}" ${problem.message}; every entry must be a relative path under package/`);
    if (!ALLOWED_TYPES.has(entry.type))
      return reject(
        entry,
        raw,
        TYPE_RULES[entry.type] ?? 'tar/special-file',
        `tarball entry "${raw}" is a ${entry.type}; only regular files and directories are allowed (links, devices and FIFOs are refused)`,
      );
    const path = raw.replace(/\/$/, '').slice(PREFIX.length);
    const key = collisionKey(path);
    const previous = seen.get(key);
    if (previous !== undefined)
      return reject(
        entry,
        raw,
        'tar/collision',
        `tarball entries "${PREFIX}${previous}" and "${raw}" name the same file on case-insensitive or normalizing file systems; rename one`,
      );
    seen.set(key, path);
    // Directories count too: 100k empty folders cost as much to store and unpack as 100k files.
    if (++entries > limits.maxFiles) return fail(tooBig(`the package has more than ${limits.maxFiles} files and directories; remove some or raise the limit`));
    if (entry.type === 'Directory') return entry.resume();
    if (unpackedSize + entry.size > limits.maxUnpackedBytes)
      return fail(tooBig(`the package unpacks to more than ${limits.maxUnpackedBytes} bytes; remove large files or raise the limit`));
    unpackedSize += entry.size;
    const parts: Buffer[] = [];
    entry.on('data', (d: Buffer) => parts.push(d));
    entry.on('end', () => files.push({ path, mode: (entry.mode ?? 0o644) & 0o777, bytes: Buffer.concat(parts) }));
  });

  // A tar-level error stops the upload at once, like any other failure.
  const parsed = new Promise<void>((resolve) => {
    parser.on('error', (e: Error) => {
      fail(bad(`the tarball is corrupt: ${e.message}`));
      resolve();
    });
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
  });

  gunzip.on('data', (d: Buffer) => {
    decompressed += d.byteLength;
    // The tar stream carries 512-byte headers and padding on top of file bytes; allow for them.
    const cap = limits.maxUnpackedBytes + (limits.maxFiles + 2) * 1024;
    if (decompressed > cap) return fail(tooBig(`the package unpacks to more than ${limits.maxUnpackedBytes} bytes; remove large files or raise the limit`));
    if (decompressed > 1024 * 1024 && decompressed > hasher.size * limits.maxCompressionRatio)
      return fail(tooBig(`the tarball decompresses more than ${limits.maxCompressionRatio}x; it looks like a gzip bomb`));
    if (!sawEof) parser.write(d);
  });
  const unzipped = new Promise<void>((resolve) => {
    gunzip.on('end', () => {
      parser.end();
      resolve();
    });
    gunzip.on('close', () => resolve());
    gunzip.on('error', (e: Error) => {
      fail(bad(`the tarball is not a valid gzip file: ${e.message}`));
      resolve();
    });
  });

  let first = true;
  for await (const chunk of source) {
    if (failure) break;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (first && buf.byteLength > 0) {
      if (buf[0] !== 0x1f || (buf.byteLength > 1 && buf[1] !== 0x8b)) throw bad('the upload is not a gzip tarball; send the .tgz file as the request body');
      first = false;
    }
    if (hasher.size + buf.byteLength > limits.maxTarballBytes)
      throw tooBig(`the tarball is larger than ${limits.maxTarballBytes} bytes; remove large files or raise the limit`);
    hasher.update(buf);
    chunks.push(buf);
    if (!gunzip.write(buf) && !failure)
      await new Promise<void>((r) => {
        // A failure destroys gunzip, which then never drains. Whichever comes, both listeners go:
        // a large upload waits here many times, and kept 'close' listeners piled up on gunzip.
        const go = () => {
          gunzip.off('drain', go);
          gunzip.off('close', go);
          r();
        };
        gunzip.once('drain', go);
        gunzip.once('close', go);
      });
  }
  if (hasher.size === 0) throw bad('the upload is empty; send the .tgz file as the request body');
  if (!failure) gunzip.end();
  await unzipped;
  if (failure) throw failure;
  await parsed;
  if (failure) throw failure;

  const digest = hasher.digest();
  return { files, rejected, ...digest, fileCount: files.length, unpackedSize, tarball: Buffer.concat(chunks) };
}

export const findReadme = (files: PackageFile[]) => files.find((f) => /^readme(\.(md|markdown|txt))?$/i.test(f.path)) ?? null;

/** Strict reading for clients: any refused entry, a bad manifest or no templates is an error. */
export async function readTarball(source: AsyncIterable<Uint8Array>, limits: Partial<PackageLimits> = {}): Promise<ReadTarball> {
  const archive = await readArchive(source, limits, 'strict');
  const manifestFile = archive.files.find((f) => f.path === 'package.json');
  if (!manifestFile) throw bad('the tarball has no package/package.json; a template package needs a manifest');
  const manifest = parseManifest(manifestFile.bytes.toString('utf8'));
  if (!archive.files.some((f) => f.path.startsWith(`${TEMPLATES_DIR}/`)))
    throw bad(`the package has no files under ${TEMPLATES_DIR}/; templates go in ${TEMPLATES_DIR}/<generator>/<template>/`);
  return { ...archive, manifest, readme: findReadme(archive.files)?.bytes.toString('utf8') ?? null };
}

/** Reads a tarball that is already in memory. */
export const readTarballBytes = (bytes: Uint8Array, limits?: Partial<PackageLimits>) =>
  readTarball(
    (async function* () {
      yield bytes;
    })(),
    limits,
  );

export const readArchiveBytes = (bytes: Uint8Array, limits?: Partial<PackageLimits>, mode: 'strict' | 'collect' = 'strict') =>
  readArchive(
    (async function* () {
      yield bytes;
    })(),
    limits,
    mode,
  );
