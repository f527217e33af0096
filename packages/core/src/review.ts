/**
 * Reviewed releases: an org or a package may require N approvals before a new version goes live.
 * The rules the server applies and the client explains, in one place.
 */

/** live: installable. staged: waiting for approvals, seen by maintainers only. rejected: out for good. */
export type VersionStatus = 'live' | 'staged' | 'rejected';
export type ReviewDecision = 'approve' | 'reject';

/** The most approvals a setting may ask for; a team larger than this reviews by sampling, not by quorum. */
export const MAX_REQUIRED_APPROVALS = 10;

/**
 * The approvals a package's new versions need: the package's own setting or its org's, whichever
 * is higher. An org's rule is a floor that a single package's owners cannot lower.
 */
export const effectiveApprovals = (orgSetting: number | null | undefined, packageSetting: number) => Math.max(orgSetting ?? 0, packageSetting);

/**
 * Whether a staged version has enough approvals to go live. Approvals only ever come from
 * maintainers other than the publisher. At least one is needed even if the setting was lowered
 * to 0 while the version waited: a staged version never goes live without someone deciding.
 */
export const approvalsMet = (approvals: number, required: number) => approvals >= Math.max(1, required);
