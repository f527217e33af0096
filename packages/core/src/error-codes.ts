/**
 * The closed set of error codes the registry answers with, each with its one HTTP status. Clients
 * and tests match `code`, never message text; the README lists this table. A throw site picks the
 * code that says what went wrong, and the status follows from it: to answer with another status,
 * add a code here (and a README row), never pass a status beside a code.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, meaning: 'the request is malformed or a value in it is wrong; the message names it' },
  invalid_input: { status: 400, meaning: 'a field of the body, query or path fails its schema; `issues` lists each field and why' },
  invalid_name: { status: 400, meaning: 'a package, scope, user, org or team name breaks the naming rules' },
  invalid_version: { status: 400, meaning: 'a version or range is not valid semver' },
  invalid_manifest: { status: 400, meaning: "the package's package.json is missing, unreadable or wrong" },
  invalid_tarball: { status: 400, meaning: 'the upload is not a readable gzip tarball, or breaks the archive rules' },
  unauthorized: { status: 401, meaning: 'no credentials, or credentials that are not valid (wrong password, expired or revoked token)' },
  forbidden: { status: 403, meaning: 'the caller is known but may not do this (missing token action, role or package pattern)' },
  csrf: { status: 403, meaning: "a web form did not come from the registry's own page" },
  not_found: { status: 404, meaning: 'no such package, version, user, org, team, token or route (private packages read as missing to outsiders)' },
  conflict: { status: 409, meaning: 'the request clashes with what exists (the name is taken, the last owner cannot leave)' },
  version_exists: { status: 409, meaning: 'that version was published (or removed) before; versions are immutable, bump it' },
  payload_too_large: { status: 413, meaning: 'the body or the package is larger than the limits allow' },
  uri_too_long: { status: 414, meaning: 'the URL is longer than MAX_URL_LENGTH' },
  validation_failed: { status: 422, meaning: 'the package breaks template rules; `report` lists every finding and how to fix it' },
  rate_limited: { status: 429, meaning: 'too many requests from this address or token, or password checks in flight; see Retry-After' },
  locked_out: { status: 429, meaning: 'too many failed logins for this account or address; see Retry-After' },
  internal: { status: 500, meaning: 'a bug; the log has the details under the request id' },
  unavailable: { status: 503, meaning: 'the database or blob store is unreachable, or the replica is busy; retry after Retry-After' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** The statuses a client error (an InputError) can have. */
export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode]['status'];

export const errorStatus = <C extends ErrorCode>(code: C): (typeof ERROR_CODES)[C]['status'] => ERROR_CODES[code].status;

export const isErrorCode = (s: unknown): s is ErrorCode => typeof s === 'string' && Object.hasOwn(ERROR_CODES, s);
