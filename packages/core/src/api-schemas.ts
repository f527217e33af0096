import { z } from 'zod';
import { MAX_REQUIRED_APPROVALS } from './review.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The native API's request and response shapes, in one place for the server (which validates
 * requests against them and describes them in /openapi.json) and the client (which reads the
 * answers through them). Types come from the schemas, never the other way round.
 *
 * Request schemas check types only; the rules on values (name syntax, known actions, durations)
 * stay in the functions that apply them, so the server CLI and the web pages share them.
 */

/** A list sent as JSON, or as one comma-separated string (as the CLI's flags are typed). */
const listOrCsv = z.union([z.array(z.string()), z.string()]);

/** Every code the registry answers with (error-codes.ts); the enum keeps the document equal to the table. */
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).meta({ id: 'ErrorCode' });

export const ErrorBodySchema = z
  .object({
    error: z.string().describe('What failed and what to do next.'),
    code: ErrorCodeSchema.describe('What went wrong, from the closed set in the README; match this, never the message.'),
    requestId: z.string().describe("This request's id (the X-Request-Id header); the server log has the details under it."),
  })
  .loose()
  .meta({ id: 'ErrorBody' });

// ---- params
export const PackageNameParams = z.object({ name: z.string().min(1).describe('A package name; a scoped one as @scope%2Fname or @scope/name.') });
export const PackageVersionParams = PackageNameParams.extend({ version: z.string().min(1) });
export const OrgParams = z.object({ org: z.string().min(1) });

// ---- request bodies
export const TokenCreateBody = z
  .object({
    name: z.string().optional().describe('A label for the token.'),
    actions: listOrCsv.optional().describe('Actions or presets, e.g. ["read", "publish:update"].'),
    packages: listOrCsv.nullable().optional().describe('Package names or patterns the token is limited to.'),
    expires: z.union([z.string(), z.number()]).nullable().optional().describe('Seconds, or a duration such as 30d.'),
    cidr: listOrCsv.nullable().optional().describe('Addresses or networks the token may be used from.'),
    user: z.string().optional().describe('Admins only: the user the token is for.'),
  })
  .meta({ id: 'TokenCreateBody' });
export const LoginBody = TokenCreateBody.omit({ user: true, cidr: true }).extend({ username: z.string(), password: z.string() }).meta({ id: 'LoginBody' });
export const UserCreateBody = z
  .object({ name: z.string(), password: z.string().nullable().optional(), admin: z.boolean().optional() })
  .meta({ id: 'UserCreateBody' });
export const PasswordBody = z.object({ password: z.string(), currentPassword: z.string().optional() }).meta({ id: 'PasswordBody' });
export const NameBody = z.object({ name: z.string() }).meta({ id: 'NameBody' });
export const RoleBody = z.object({ role: z.string().describe('owner, maintainer or reader') }).meta({ id: 'RoleBody' });
export const VisibilityBody = z.object({ visibility: z.string().describe('public or private') }).meta({ id: 'VisibilityBody' });
export const DeprecateBody = z.object({ message: z.string().describe('The deprecation message; empty lifts it.') }).meta({ id: 'DeprecateBody' });
export const ReviewPolicyBody = z
  .object({
    requiredApprovals: z
      .number()
      .int()
      .min(0)
      .max(MAX_REQUIRED_APPROVALS)
      .describe('Approvals by maintainers other than the publisher before a new version goes live; 0 turns reviews off.'),
  })
  .meta({ id: 'ReviewPolicyBody' });
export const RejectBody = z.object({ reason: z.string().trim().min(1, 'say why the release is rejected').max(1024) }).meta({ id: 'RejectBody' });
/** npm sends the bare version string; the object form reads better in curl. */
export const DistTagBody = z.union([z.string(), z.object({ version: z.string() })]).meta({ id: 'DistTagBody' });

// ---- queries
const wholeNumber = (name: string, max = Number.POSITIVE_INFINITY, hint = '') =>
  z
    .string()
    .regex(/^\d*$/, `${name} must be a whole number`)
    .optional()
    .transform((s) => (s === undefined || s === '' ? undefined : Number(s)))
    .refine((n) => n === undefined || n <= max, `${name} must be at most ${max}${hint}`);
/** The farthest page of search: past it no registry has results, and a page that far only costs the server. */
export const SEARCH_MAX_FROM = 1_000_000;
export const SearchQuery = z.object({
  q: z.string().max(500, 'the query may have at most 500 characters').optional(),
  text: z.string().max(500, 'the query may have at most 500 characters').optional(),
  size: wholeNumber('size'),
  from: wholeNumber('from', SEARCH_MAX_FROM, ' (no search has that many results: narrow the query instead)'),
  deprecated: z.string().optional(),
});
// Optional here so a private package's outsiders get its 404 before any rule about the query.
export const DiffQuery = z.object({ from: z.string().optional().describe('The version to compare against (the older one, usually); required.') });
export const SuggestQuery = z.object({ q: z.string().optional() });
export const TokensListQuery = z.object({ user: z.string().optional(), org: z.string().optional() });
export const AuditQuery = z.object({
  actor: z.string().optional(),
  action: z.string().optional(),
  target: z.string().optional(),
  org: z.string().optional(),
  outcome: z.string().optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  before: z.string().optional(),
  limit: z.string().optional(),
});

// ---- responses
export const MintedTokenSchema = z
  .object({
    id: z.string(),
    token: z.string(),
    user: z.string(),
    actions: z.array(z.string()),
    packages: z.array(z.string()).nullable(),
    expiresAt: z.string().nullable(),
  })
  .loose()
  .meta({ id: 'MintedToken' });
export const WhoamiSchema = z
  .object({
    username: z.string(),
    admin: z.boolean(),
    token: z.object({ id: z.string(), actions: z.array(z.string()), packages: z.array(z.string()).nullable() }),
    orgs: z.array(z.object({ name: z.string(), role: z.string() })),
  })
  .meta({ id: 'Whoami' });
export const DistTagsSchema = z.record(z.string(), z.string()).meta({ id: 'DistTags' });
export const SearchHitSchema = z
  .object({
    package: z.object({ name: z.string(), version: z.string(), description: z.string().nullable(), keywords: z.array(z.string()) }).loose(),
    generators: z.array(z.object({ name: z.string(), description: z.string().nullable().optional(), templates: z.array(z.string()) })),
    capabilities: z.array(z.string()),
    deprecated: z.unknown(),
    downloads: z.object({ monthly: z.number() }),
    score: z.object({ final: z.number() }).loose(),
  })
  .loose()
  .meta({ id: 'SearchHit' });
export const SearchResultSchema = z.object({ total: z.number(), objects: z.array(SearchHitSchema), time: z.string() }).meta({ id: 'SearchResult' });
export const SuggestResultSchema = z.object({ suggestions: z.array(z.unknown()) }).meta({ id: 'SuggestResult' });
/** Answers whose shape the API does not yet pin down beyond "a JSON object". */
export const JsonObjectSchema = z.object({}).loose().meta({ id: 'JsonObject' });

export const UserListSchema = z
  .object({ users: z.array(z.object({ name: z.string(), admin: z.boolean(), password: z.boolean(), createdAt: z.string() }).loose()) })
  .meta({ id: 'UserList' });
export const OrgListSchema = z
  .object({ orgs: z.array(z.object({ name: z.string(), role: z.string().nullable(), defaultVisibility: z.string() }).loose()) })
  .meta({ id: 'OrgList' });
export const TeamListSchema = z
  .object({ teams: z.array(z.object({ name: z.string(), members: z.array(z.string()) }).loose()) })
  .loose()
  .meta({ id: 'TeamList' });
export const TokenRowSchema = z
  .object({
    id: z.string(),
    user: z.string(),
    label: z.string().nullable(),
    actions: z.array(z.string()),
    packages: z.array(z.string()).nullable(),
    cidr: z.array(z.string()).nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    trustedPublisher: z.number().nullable().optional().describe('Set on tokens minted by an OIDC exchange: the trusted publisher they act for.'),
  })
  .loose()
  .meta({ id: 'TokenRow' });
export const TokenListSchema = z
  .object({ tokens: z.array(TokenRowSchema) })
  .loose()
  .meta({ id: 'TokenList' });
export const AuditListSchema = z
  .object({
    records: z.array(
      z
        .object({
          id: z.number(),
          at: z.string(),
          actor: z.string().nullable(),
          ip: z.string().nullable(),
          action: z.string(),
          target: z.string().nullable(),
          outcome: z.string(),
          status: z.number(),
        })
        .loose(),
    ),
  })
  .loose()
  .meta({ id: 'AuditList' });

// ---- trusted publishing (OIDC)
export const TrustedPublisherParams = PackageNameParams.extend({ id: z.string().min(1).describe('The trusted publisher id, as listed.') });
export const TrustedPublisherBody = z
  .object({
    issuer: z.string().describe('github, gitlab, or the URL of an issuer configured with OIDC_ISSUERS.').meta({ example: 'github' }),
    repository: z.string().describe('The repository as the CI names it.').meta({ example: 'acme/react-gen' }),
    repositoryOwnerId: z
      .union([z.string(), z.number()])
      .describe("The numeric id of the repository's owner (GitHub repository_owner_id, GitLab namespace_id).")
      .meta({ example: '1234567' }),
    workflow: z.string().describe('The workflow file, optionally with @ref.').meta({ example: 'release.yml' }),
    environment: z.string().nullable().optional().describe('The CI environment the job must run in; leave out for any.'),
  })
  .meta({ id: 'TrustedPublisherBody' });
export const TrustedPublisherSchema = z
  .object({
    id: z.number(),
    package: z.string(),
    issuer: z.string(),
    repository: z.string(),
    repositoryOwnerId: z.string(),
    workflow: z.string(),
    environment: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'TrustedPublisher' });
export const TrustedPublisherListSchema = z
  .object({ name: z.string(), trustedPublishers: z.array(TrustedPublisherSchema) })
  .meta({ id: 'TrustedPublisherList' });
export const OidcExchangeBody = z
  .object({
    token: z.string().min(1).describe("The CI job's OIDC ID token; its audience must be this registry's PUBLIC_URL."),
    package: z.string().min(1).describe('The package to publish; the token minted is limited to it.').meta({ example: '@acme/react-gen' }),
  })
  .meta({ id: 'OidcExchangeBody' });
export const ReviewPolicySchema = z
  .object({
    requiredApprovals: z.number().describe("This package or org's own setting."),
    org: z.number().nullable().optional().describe("For a scoped package: its org's setting."),
    effective: z.number().describe('What a new version needs: the higher of the two.'),
  })
  .meta({ id: 'ReviewPolicy' });
export const ApprovalSchema = z
  .object({ approver: z.string(), decision: z.enum(['approve', 'reject']), reason: z.string().nullable(), at: z.string() })
  .meta({ id: 'Approval' });
export const ReviewStateSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    status: z.enum(['live', 'staged', 'rejected']),
    publishedBy: z.string().nullable(),
    publishedAt: z.string(),
    requiredApprovals: z.number(),
    approvals: z.array(ApprovalSchema),
    capabilities: z.array(z.string()),
    quality: z.number().nullable(),
    errors: z.number(),
    warnings: z.number(),
    'dist-tags': z.record(z.string(), z.string()),
  })
  .meta({ id: 'ReviewState' });
export const ReviewListSchema = z.object({ name: z.string(), requiredApprovals: z.number(), versions: z.array(ReviewStateSchema) }).meta({ id: 'ReviewList' });
export const FindingSummarySchema = z.object({ rule: z.string(), severity: z.string(), file: z.string().nullable().optional(), message: z.string() }).loose();
export const FileDiffSchema = z
  .object({
    path: z.string(),
    status: z.enum(['added', 'removed', 'changed']),
    binary: z.boolean(),
    sizeBefore: z.number().nullable(),
    sizeAfter: z.number().nullable(),
    patch: z.string().nullable().describe('A unified diff of a text file; null for binary files and ones too large to diff.'),
    note: z.string().optional(),
  })
  .meta({ id: 'FileDiff' });
export const VersionDiffSchema = z
  .object({
    name: z.string(),
    from: z.string(),
    to: z.string(),
    files: z.array(FileDiffSchema),
    unchanged: z.number().describe('Files identical in both versions.'),
    capabilities: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
    findings: z.object({ added: z.array(FindingSummarySchema), removed: z.array(FindingSummarySchema) }),
    truncated: z.boolean().describe('True when the patches were cut to keep the answer small.'),
  })
  .meta({ id: 'VersionDiff' });

export type TokenCreateRequest = z.input<typeof TokenCreateBody>;
export type LoginRequest = z.input<typeof LoginBody>;
export type MintedTokenResponse = z.infer<typeof MintedTokenSchema>;
export type WhoamiResponse = z.infer<typeof WhoamiSchema>;
export type SearchResponse = z.infer<typeof SearchResultSchema>;
export type UnpublishResponse = { removed: string[]; remaining: string[] };
export type ErrorResponse = z.infer<typeof ErrorBodySchema>;
export type UserListResponse = z.infer<typeof UserListSchema>;
export type OrgListResponse = z.infer<typeof OrgListSchema>;
export type TeamListResponse = z.infer<typeof TeamListSchema>;
export type TokenRow = z.infer<typeof TokenRowSchema>;
export type TokenListResponse = z.infer<typeof TokenListSchema>;
export type AuditListResponse = z.infer<typeof AuditListSchema>;
export type TrustedPublisherRequest = z.input<typeof TrustedPublisherBody>;
export type TrustedPublisherResponse = z.infer<typeof TrustedPublisherSchema>;
export type TrustedPublisherListResponse = z.infer<typeof TrustedPublisherListSchema>;
export type OidcExchangeRequest = z.input<typeof OidcExchangeBody>;
export type ReviewPolicyResponse = z.infer<typeof ReviewPolicySchema>;
export type ReviewStateResponse = z.infer<typeof ReviewStateSchema>;
export type ReviewListResponse = z.infer<typeof ReviewListSchema>;
export type VersionDiffResponse = z.infer<typeof VersionDiffSchema>;
export type FileDiff = z.infer<typeof FileDiffSchema>;

// ---- webhooks (README: "Webhooks")
// Ids are checked by the functions after the caller's rights, so an outsider learns nothing from a 400; a malformed one is a 404.
const numericId = z.string().transform((s) => (/^\d{1,15}$/.test(s) ? Number(s) : -1));
export const HookParams = z.object({ id: numericId.describe('A hook id.') });
export const HookDeliveryParams = HookParams.extend({ delivery: numericId.describe('A delivery id.') });
export const HookCreateBody = z
  .object({
    org: z.string().optional().describe('Watch every package of this org (and, when asked, its tokens).'),
    package: z.string().optional().describe('Watch one package.'),
    pattern: z.string().optional().describe('Watch packages matching a pattern such as @acme/web-* (admins: any pattern).'),
    url: z.string().max(2048).describe('Where deliveries are POSTed: http(s), resolving to a public address.'),
    events: listOrCsv.optional().describe('Event types, or "*" (the default) for every event the target carries.'),
    format: z.enum(['json', 'slack']).optional().describe('json (default): the event; slack: { text } for an incoming webhook.'),
  })
  .meta({ id: 'HookCreateBody' });
export const HooksListQuery = z.object({ org: z.string().optional(), package: z.string().optional() });
export const HookSchema = z
  .object({
    id: z.number(),
    target: z.object({ kind: z.enum(['org', 'package', 'pattern']), name: z.string() }),
    url: z.string(),
    events: z.array(z.string()),
    format: z.enum(['json', 'slack']),
    enabled: z.boolean(),
    consecutiveFailures: z.number(),
    disabledReason: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Hook' });
export const HookCreatedSchema = HookSchema.extend({ secret: z.string().describe('Signs every delivery; shown once, store it now.') }).meta({
  id: 'HookCreated',
});
export const HookListSchema = z.object({ hooks: z.array(HookSchema) }).meta({ id: 'HookList' });
export const HookAttemptSchema = z
  .object({
    at: z.string(),
    ok: z.boolean(),
    durationMs: z.number(),
    responseCode: z.number().nullable(),
    responseStart: z.string().nullable().describe('The first bytes of the answer.'),
    error: z.string().nullable(),
  })
  .meta({ id: 'HookAttempt' });
export const HookDeliverySchema = z
  .object({
    id: z.number(),
    event: z.object({ id: z.string(), type: z.string(), time: z.string() }),
    status: z.enum(['pending', 'delivered', 'failed']),
    nextAttemptAt: z.string().nullable(),
    attempts: z.array(HookAttemptSchema),
  })
  .meta({ id: 'HookDelivery' });
export const HookDeliveryListSchema = z.object({ deliveries: z.array(HookDeliverySchema) }).meta({ id: 'HookDeliveryList' });
export type HookCreateRequest = z.input<typeof HookCreateBody>;
export type HookResponse = z.infer<typeof HookSchema>;
export type HookCreatedResponse = z.infer<typeof HookCreatedSchema>;
export type HookListResponse = z.infer<typeof HookListSchema>;
export type HookDeliveryResponse = z.infer<typeof HookDeliverySchema>;
export type HookDeliveryListResponse = z.infer<typeof HookDeliveryListSchema>;
