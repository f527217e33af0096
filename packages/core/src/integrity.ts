import { createHash } from 'node:crypto';

/** Hashes a tarball as npm does: `sha512-<base64>` SRI and a hex sha1 `shasum`. */
export class TarballHasher {
  private readonly sha512 = createHash('sha512');
  private readonly sha1 = createHash('sha1');
  size = 0;

  update(chunk: Uint8Array): void {
    this.sha512.update(chunk);
    this.sha1.update(chunk);
    this.size += chunk.byteLength;
  }

  digest(): { integrity: string; shasum: string; sha512hex: string; size: number } {
    const d = this.sha512.digest();
    return { integrity: `sha512-${d.toString('base64')}`, shasum: this.sha1.digest('hex'), sha512hex: d.toString('hex'), size: this.size };
  }
}

export function integrityOf(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** The sha512 of file contents as an SRI string; the lockfile records one per written file. */
export const fileHash = integrityOf;

/** Parses `sha512-<base64>` into hex, or null when it is not a sha512 SRI. */
export function sha512HexOfIntegrity(integrity: string): string | null {
  const m = /^sha512-([A-Za-z0-9+/]{86}==)$/.exec(integrity.trim());
  return m ? Buffer.from(m[1]!, 'base64').toString('hex') : null;
}
