import { z } from 'zod';
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
export const TokenCreateBody = z.object({
  name: z.string().optional().describe('A label for the token.'),
  actions: listOrCsv.optional().describe('Actions or presets, e.g. ["read", "publish:update"].'),
  packages: listOrCsv.nullable().optional().describe('Package names or patterns the token is limited to.'),
  expires: z.union([z.string(), z.number()]).nullable().optional().describe('Seconds, or a duration such as 30d.'),
  cidr: listOrCsv.nullable().optional().describe('Addresses or networks the token may be used from.'),
  user: z.string().optional().describe('Admins only: the user the token is for.'),
}).meta({ id: 'TokenCreateBody' });
export const LoginBody = TokenCreateBody.omit({ user: true, cidr: true }).extend({ username: z.string(), password: z.string() }).meta({ id: 'LoginBody' });
export const UserCreateBody = z.object({ name: z.string(), password: z.string().nullable().optional(), admin: z.boolean().optional() }).meta({ id: 'UserCreateBody' });
export const PasswordBody = z.object({ password: z.string(), currentPassword: z.string().optional() }).meta({ id: 'PasswordBody' });
export const NameBody = z.object({ name: z.string() }).meta({ id: 'NameBody' });
export const RoleBody = z.object({ role: z.string().describe('owner, maintainer or reader') }).meta({ id: 'RoleBody' });
export const VisibilityBody = z.object({ visibility: z.string().describe('public or private') }).meta({ id: 'VisibilityBody' });
export const DeprecateBody = z.object({ message: z.string().describe('The deprecation message; empty lifts it.') }).meta({ id: 'DeprecateBody' });
/** npm sends the bare version string; the object form reads better in curl. */
export const DistTagBody = z.union([z.string(), z.object({ version: z.string() })]).meta({ id: 'DistTagBody' });

// ---- queries
const wholeNumber = (name: string) =>
  z
    .string()
    .regex(/^\d*$/, `${name} must be a whole number`)
    .optional()
    .transform((s) => (s === undefined || s === '' ? undefined : Number(s)));
export const SearchQuery = z.object({
  q: z.string().max(500, 'the query may have at most 500 characters').optional(),
  text: z.string().max(500, 'the query may have at most 500 characters').optional(),
  size: wholeNumber('size'),
  from: wholeNumber('from'),
  deprecated: z.string().optional(),
});
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
export const MintedTokenSchema = z.object({
  id: z.string(),
  token: z.string(),
  user: z.string(),
  actions: z.array(z.string()),
  packages: z.array(z.string()).nullable(),
  expiresAt: z.string().nullable(),
}).loose().meta({ id: 'MintedToken' });
export const WhoamiSchema = z.object({
  username: z.string(),
  admin: z.boolean(),
  token: z.object({ id: z.string(), actions: z.array(z.string()), packages: z.array(z.string()).nullable() }),
  orgs: z.array(z.object({ name: z.string(), role: z.string() })),
}).meta({ id: 'Whoami' });
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
export const TeamListSchema = z.object({ teams: z.array(z.object({ name: z.string(), members: z.array(z.string()) }).loose()) }).loose().meta({ id: 'TeamList' });
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
  })
  .loose()
  .meta({ id: 'TokenRow' });
export const TokenListSchema = z.object({ tokens: z.array(TokenRowSchema) }).loose().meta({ id: 'TokenList' });
export const AuditListSchema = z
  .object({
    records: z.array(
      z
        .object({ id: z.number(), at: z.string(), actor: z.string().nullable(), ip: z.string().nullable(), action: z.string(), target: z.string().nullable(), outcome: z.string(), status: z.number() })
        .loose(),
    ),
  })
  .loose()
  .meta({ id: 'AuditList' });

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
