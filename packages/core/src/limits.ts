/** Size limits for one package. Enforced while a tarball streams in, never after. */
export interface PackageLimits {
  /** Compressed tarball bytes. */
  maxTarballBytes: number;
  /** Sum of the file sizes once unpacked. */
  maxUnpackedBytes: number;
  /** Number of entries: files and directories. */
  maxFiles: number;
  /** Path segments below `package/`. */
  maxPathDepth: number;
  /** Path length in characters. */
  maxPathLength: number;
  /** Unpacked bytes per compressed byte: a gzip bomb is stopped as soon as it passes this. */
  maxCompressionRatio: number;
}

export const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: PackageLimits = {
  maxTarballBytes: 10 * MiB,
  maxUnpackedBytes: 50 * MiB,
  maxFiles: 5000,
  maxPathDepth: 32,
  maxPathLength: 1024,
  maxCompressionRatio: 200,
};
