import type { VersionStatus } from './review.js';
import type { Manifest } from './manifest.js';
import type { GeneratorListing } from './generators.js';
import type { CapabilityName, ValidationReport } from './report.js';

/** Path prefix of the native API. */
export const API_PREFIX = '/api/v1';

export interface Dist {
  /** Absolute URL of the tarball. */
  tarball: string;
  integrity: string;
  shasum: string;
  /** Compressed size in bytes. */
  size: number;
  fileCount: number;
  unpackedSize: number;
}

export interface VersionDoc {
  name: string;
  version: string;
  manifest: Manifest;
  dist: Dist;
  publishedAt: string;
  publishedBy: string | null;
  deprecated?: string;
  /** From the validation report: what the package can do beyond writing files, and its 0-100 score. */
  capabilities: CapabilityName[];
  quality: number | null;
  /** Generators and templates as the validator discovered them, refined by the manifest's declarations. */
  generators: GeneratorListing[];
}

export interface PackageDoc {
  name: string;
  description: string | null;
  'dist-tags': Record<string, string>;
  versions: Record<string, VersionDoc>;
  time: { created: string; modified: string } & Record<string, string>;
  readme: string | null;
}

export interface PublishResult {
  name: string;
  version: string;
  integrity: string;
  shasum: string;
  size: number;
  fileCount: number;
  /** False when an identical retry found the version already stored. */
  created: boolean;
  /** staged: the version waits for `requiredApprovals` maintainers other than the publisher to approve it. */
  status?: VersionStatus;
  requiredApprovals?: number;
  'dist-tags': Record<string, string>;
  warnings: number;
  quality: number;
  capabilities: CapabilityName[];
}

/** The 422 body for a package the validator refused. */
export interface RejectedPublish {
  error: string;
  report: ValidationReport;
}

export interface ErrorBody {
  error: string;
}
