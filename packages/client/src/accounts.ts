import { encodeName } from '@unjucks/core';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { getJson, sendJson } from './http.js';
import { readSecret } from './prompt.js';
import type {
  AuditListResponse,
  MintedTokenResponse,
  TokenCreateRequest,
  OrgListResponse,
  TeamListResponse,
  TokenListResponse,
  TokenRow,
  UserListResponse,
} from '@unjucks/core/api-schemas';
import type { WhoAmI } from './login.js';

/** What a command prints: its JSON for --json, else lines for people. */
export interface Output {
  json: unknown;
  text: string;
}

type Flags = Readonly<Record<string, unknown>>;

const api = (s: Settings) => `${s.registry}/api/v1`;
const seg = encodeURIComponent;
const str = (f: Flags, k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);

async function call<T>(s: Settings, method: string, path: string, body: unknown, what: string): Promise<T> {
  if (method === 'GET') return getJson<T>(s, `${api(s)}${path}`, what);
  return (await sendJson<T>(s, method, `${api(s)}${path}`, body, what)).body;
}

const table = (rows: string[][]) => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-');

function need(args: string[], n: number, usage: string): string[] {
  if (args.length < n) throw new CliError(`usage: unjucks ${usage}`);
  return args;
}

/** `acme:devs` or `acme devs` → [org, team]. */
function teamArg(args: string[], usage: string): [string, string, string[]] {
  const first = args[0] ?? '';
  if (first.includes(':')) return [first.slice(0, first.indexOf(':')), first.slice(first.indexOf(':') + 1), args.slice(1)];
  if (args.length < 2) throw new CliError(`usage: unjucks ${usage}`);
  return [args[0]!, args[1]!, args.slice(2)];
}

export async function whoamiCommand(s: Settings): Promise<Output> {
  const me = await call<WhoAmI>(s, 'GET', '/whoami', undefined, 'asking who you are');
  const lines = [
    `${me.username}${me.admin ? ' (registry admin)' : ''} on ${s.registry}`,
    `token ${me.token.id}: ${me.token.actions.join(', ')}${me.token.packages ? ` on ${me.token.packages.join(', ')}` : ''}`,
  ];
  for (const o of me.orgs) lines.push(`org ${o.name}: ${o.role}`);
  return { json: me, text: lines.join('\n') };
}

export async function userCommand(s: Settings, args: string[], f: Flags): Promise<Output> {
  const [sub, name] = args;
  switch (sub) {
    case 'add': {
      need(args, 2, 'user add NAME [--admin] [--password] (password on stdin)');
      const password = f.password ? await readSecret(`password for ${name}: `) : undefined;
      const r = await call<{ name: string; admin: boolean }>(s, 'POST', '/users', { name, admin: !!f.admin, password }, `creating user ${name}`);
      return { json: r, text: `created user ${r.name}${r.admin ? ' (registry admin)' : ''}` };
    }
    case 'rm': {
      need(args, 2, 'user rm NAME');
      const r = await call(s, 'DELETE', `/users/${seg(name!)}`, undefined, `removing user ${name}`);
      return { json: r, text: `removed user ${name} and their tokens` };
    }
    case 'ls': {
      const r = await call<UserListResponse>(s, 'GET', '/users', undefined, 'listing users');
      return {
        json: r,
        text: table([
          ['USER', 'ADMIN', 'PASSWORD', 'CREATED'],
          ...r.users.map((u) => [u.name, u.admin ? 'yes' : '', u.password ? 'set' : '-', day(u.createdAt)]),
        ]),
      };
    }
    case 'passwd': {
      const target = name ?? (await call<WhoAmI>(s, 'GET', '/whoami', undefined, 'asking who you are')).username;
      const password = await readSecret(`new password for ${target}: `, 0);
      const currentPassword = f.current ? await readSecret('current password: ', 1) : undefined;
      const r = await call(s, 'PUT', `/users/${seg(target)}/password`, { password, currentPassword }, `setting the password of ${target}`);
      return { json: r, text: `password of ${target} changed` };
    }
    default:
      throw new CliError('usage: unjucks user add|rm|ls|passwd');
  }
}

export async function orgCommand(s: Settings, args: string[], f: Flags): Promise<Output> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    need(rest, 1, 'org create NAME');
    const r = await call(s, 'POST', '/orgs', { name: rest[0] }, `creating org ${rest[0]}`);
    return { json: r, text: `created org ${rest[0]}; you own the scope @${rest[0]}` };
  }
  if (sub === 'ls') {
    const r = await call<OrgListResponse>(s, 'GET', '/orgs', undefined, 'listing orgs');
    return { json: r, text: table([['ORG', 'YOUR ROLE', 'DEFAULT VISIBILITY'], ...r.orgs.map((o) => [o.name, o.role ?? '-', o.defaultVisibility])]) };
  }
  if (sub === 'member') {
    const [op, org, user] = rest;
    if (op === 'add') {
      need(rest, 3, 'org member add ORG USER --role owner|maintainer|reader');
      const role = str(f, 'role');
      if (!role) throw new CliError('org member add needs --role owner|maintainer|reader');
      const r = await call<{ invited?: boolean }>(s, 'PUT', `/orgs/${seg(org!)}/members/${seg(user!)}`, { role }, `adding ${user} to ${org}`);
      return {
        json: r,
        text: r.invited
          ? `invited ${user} to org ${org} as ${role}; they join when they run "unjucks org accept ${org}"`
          : `${user} is now ${role} of org ${org}`,
      };
    }
    if (op === 'rm') {
      need(rest, 3, 'org member rm ORG USER');
      const r = await call(s, 'DELETE', `/orgs/${seg(org!)}/members/${seg(user!)}`, undefined, `removing ${user} from ${org}`);
      return { json: r, text: `removed ${user} from org ${org}` };
    }
    if (op === 'ls') {
      need(rest, 2, 'org member ls ORG');
      const r = await call<{ members: { user: string; role: string }[]; pending?: { user: string; role: string }[] }>(
        s,
        'GET',
        `/orgs/${seg(org!)}/members`,
        undefined,
        `listing the members of ${org}`,
      );
      const rows = [...r.members.map((m) => [m.user, m.role]), ...(r.pending ?? []).map((m) => [m.user, `${m.role} (invited)`])];
      return { json: r, text: table([['USER', 'ROLE'], ...rows]) };
    }
  }
  if (sub === 'invitations') {
    type Invitation = { org?: string; user?: string; role: string; invitedBy: string | null; since: string };
    if (rest[0]) {
      const r = await call<{ invitations: Invitation[] }>(s, 'GET', `/orgs/${seg(rest[0])}/invitations`, undefined, `listing the invitations of ${rest[0]}`);
      return {
        json: r,
        text: table([['USER', 'ROLE', 'INVITED BY', 'SINCE'], ...r.invitations.map((i) => [i.user!, i.role, i.invitedBy ?? '-', day(i.since)])]),
      };
    }
    const r = await call<{ invitations: Invitation[] }>(s, 'GET', '/invitations', undefined, 'listing your invitations');
    if (!r.invitations.length) return { json: r, text: 'no open invitations' };
    return { json: r, text: table([['ORG', 'ROLE', 'INVITED BY', 'SINCE'], ...r.invitations.map((i) => [i.org!, i.role, i.invitedBy ?? '-', day(i.since)])]) };
  }
  if (sub === 'accept' || sub === 'decline') {
    need(rest, 1, `org ${sub} ORG`);
    const r = await call<{ role?: string }>(
      s,
      'POST',
      `/invitations/${seg(rest[0]!)}/${sub}`,
      undefined,
      `${sub === 'accept' ? 'accepting' : 'declining'} the invitation to ${rest[0]}`,
    );
    return { json: r, text: sub === 'accept' ? `you are now ${r.role} of org ${rest[0]}` : `declined the invitation to org ${rest[0]}` };
  }
  if (sub === 'uninvite') {
    need(rest, 2, 'org uninvite ORG USER');
    const r = await call(
      s,
      'DELETE',
      `/orgs/${seg(rest[0]!)}/invitations/${seg(rest[1]!)}`,
      undefined,
      `withdrawing the invitation of ${rest[1]} to ${rest[0]}`,
    );
    return { json: r, text: `withdrew the invitation of ${rest[1]} to org ${rest[0]}` };
  }
  throw new CliError(
    'usage: unjucks org create NAME | org ls | org member add|rm|ls ORG [USER] [--role ROLE] | org invitations [ORG] | org accept|decline ORG | org uninvite ORG USER',
  );
}

export async function teamCommand(s: Settings, args: string[]): Promise<Output> {
  const [sub, ...rest] = args;
  if (sub === 'create' || sub === 'rm') {
    const [org, team] = teamArg(rest, `team ${sub} ORG:TEAM`);
    const r =
      sub === 'create'
        ? await call(s, 'POST', `/orgs/${seg(org)}/teams`, { name: team }, `creating team ${org}:${team}`)
        : await call(s, 'DELETE', `/orgs/${seg(org)}/teams/${seg(team)}`, undefined, `removing team ${org}:${team}`);
    return { json: r, text: `${sub === 'create' ? 'created' : 'removed'} team ${org}:${team}` };
  }
  if (sub === 'ls') {
    need(rest, 1, 'team ls ORG');
    const r = await call<TeamListResponse>(s, 'GET', `/orgs/${seg(rest[0]!)}/teams`, undefined, `listing the teams of ${rest[0]}`);
    return { json: r, text: table([['TEAM', 'MEMBERS'], ...r.teams.map((t) => [`${rest[0]}:${t.name}`, t.members.join(', ') || '-'])]) };
  }
  if (sub === 'member') {
    const [op, ...more] = rest;
    const [org, team, after] = teamArg(more, `team member ${op} ORG:TEAM USER`);
    const user = after[0];
    if (!user || (op !== 'add' && op !== 'rm')) throw new CliError('usage: unjucks team member add|rm ORG:TEAM USER');
    const r = await call(
      s,
      op === 'add' ? 'PUT' : 'DELETE',
      `/orgs/${seg(org)}/teams/${seg(team)}/members/${seg(user)}`,
      undefined,
      `${op === 'add' ? 'adding' : 'removing'} ${user}`,
    );
    return { json: r, text: `${op === 'add' ? 'added' : 'removed'} ${user} ${op === 'add' ? 'to' : 'from'} team ${org}:${team}` };
  }
  throw new CliError('usage: unjucks team create|rm ORG:TEAM | team ls ORG | team member add|rm ORG:TEAM USER');
}

/** A package name, or `@scope` alone for the whole scope (its org). */
const scopeTarget = (target: string) => (/^@[^/]+$/.test(target) ? target.slice(1) : null);

export async function accessCommand(s: Settings, args: string[]): Promise<Output> {
  const [sub, target, principal, role] = args;
  if (!target) throw new CliError('usage: unjucks access grant|revoke|ls|public|private <package or @scope> [user or org:team] [role]');
  const org = scopeTarget(target);
  const base = org ? `/orgs/${seg(org)}` : `/packages/${encodeName(target)}`;
  switch (sub) {
    case 'grant': {
      need(args, 4, 'access grant <package or @scope> <user or org:team> <owner|maintainer|reader>');
      const r = await call(s, 'PUT', `${base}/access/${seg(principal!)}`, { role }, `granting ${principal} ${role} on ${target}`);
      return { json: r, text: `${principal} is now ${role} of ${target}` };
    }
    case 'revoke': {
      need(args, 3, 'access revoke <package or @scope> <user or org:team>');
      const r = await call(s, 'DELETE', `${base}/access/${seg(principal!)}`, undefined, `revoking ${principal} on ${target}`);
      return { json: r, text: `${principal} no longer holds a role on ${target}` };
    }
    case 'ls': {
      const r = await call<{ visibility?: string; defaultVisibility?: string; grants: { principal: string; role: string }[] }>(
        s,
        'GET',
        `${base}/access`,
        undefined,
        `reading the access of ${target}`,
      );
      const head = org ? `@${org}: packages are ${r.defaultVisibility} by default` : `${target}: ${r.visibility}`;
      return { json: r, text: [head, table([['WHO', 'ROLE'], ...r.grants.map((g) => [g.principal, g.role])])].join('\n') };
    }
    case 'public':
    case 'private': {
      const r = await call(s, 'PUT', `${base}/visibility`, { visibility: sub }, `making ${target} ${sub}`);
      return { json: r, text: org ? `packages of @${org} without their own setting are now ${sub}` : `${target} is now ${sub}` };
    }
    default:
      throw new CliError('usage: unjucks access grant|revoke|ls|public|private <package or @scope> ...');
  }
}

export async function tokenCommand(s: Settings, args: string[], f: Flags): Promise<Output> {
  const [sub, id] = args;
  if (sub === 'create') {
    const actions = str(f, 'actions');
    if (!actions)
      throw new CliError('usage: unjucks token create --name LABEL --actions read,publish:update [--packages @acme/*] [--expires 30d] [--cidr 10.0.0.0/8]');
    const list = (k: string) =>
      str(f, k)
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const r = await call<MintedTokenResponse>(
      s,
      'POST',
      '/tokens',
      {
        name: str(f, 'name'),
        actions: list('actions'),
        packages: list('packages'),
        cidr: list('cidr'),
        expires: str(f, 'expires'),
      } satisfies TokenCreateRequest,
      'creating a token',
    );
    return { json: r, text: `${r.token}\n(token ${r.id}, expires ${r.expiresAt}; shown once, store it now)` };
  }
  if (sub === 'list' || sub === 'ls') {
    const q = new URLSearchParams();
    if (str(f, 'user')) q.set('user', str(f, 'user')!);
    if (str(f, 'org')) q.set('org', str(f, 'org')!);
    const r = await call<TokenListResponse>(s, 'GET', `/tokens${q.size ? `?${q}` : ''}`, undefined, 'listing tokens');
    return {
      json: r,
      text: table([
        ['ID', 'USER', 'LABEL', 'ACTIONS', 'PACKAGES', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'],
        ...r.tokens.map((t) => [
          t.id,
          t.user,
          t.label ?? '-',
          t.actions.join(','),
          t.packages?.join(',') ?? '*',
          day(t.createdAt),
          day(t.expiresAt),
          day(t.lastUsedAt),
          t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'active',
        ]),
      ]),
    };
  }
  if (sub === 'revoke') {
    need(args, 2, 'token revoke ID');
    const r = await call(s, 'DELETE', `/tokens/${seg(id!)}`, undefined, `revoking token ${id}`);
    return { json: r, text: `revoked token ${id}` };
  }
  throw new CliError('usage: unjucks token create|list|revoke');
}

export async function auditCommand(s: Settings, f: Flags): Promise<Output> {
  const q = new URLSearchParams();
  for (const k of ['actor', 'action', 'target', 'org', 'outcome', 'since', 'until', 'limit']) if (str(f, k)) q.set(k, str(f, k)!);
  const r = await call<AuditListResponse>(s, 'GET', `/audit${q.size ? `?${q}` : ''}`, undefined, 'reading the audit log');
  return {
    json: r,
    text: table([
      ['TIME', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'IP'],
      ...r.records.map((x) => [x.at, x.actor ?? '-', x.action, x.target ?? '-', `${x.outcome} ${x.status}`, x.ip ?? '-']),
    ]),
  };
}
