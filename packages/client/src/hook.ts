import { EVENT_TYPES } from '@unjucks/core';
import type {
  HookCreateRequest,
  HookCreatedResponse,
  HookDeliveryListResponse,
  HookDeliveryResponse,
  HookListResponse,
  HookResponse,
} from '@unjucks/core/api-schemas';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { getJson, sendJson } from './http.js';

/** What a command prints: its JSON for --json, else lines for people. */
export interface HookOutput {
  json: unknown;
  text: string;
}

export type HookFlags = Readonly<Record<string, unknown>>;

const USAGE = `usage: unjucks hook add <@org | package | pattern*> <url> [--events LIST] [--format json|slack]
       unjucks hook ls [--org O | --package P]
       unjucks hook rm <id>
       unjucks hook test <id>              send a ping now (a success re-enables a disabled hook)
       unjucks hook deliveries <id>        recent deliveries and every attempt
       unjucks hook redeliver <id> <delivery>
events: ${EVENT_TYPES.join(', ')} (default: all the target carries; token.* on orgs only)`;

const api = (s: Settings) => `${s.registry}/api/v1`;
const str = (f: HookFlags, k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);

async function call<T>(s: Settings, method: string, path: string, body: unknown, what: string): Promise<T> {
  if (method === 'GET') return getJson<T>(s, `${api(s)}${path}`, what);
  return (await sendJson<T>(s, method, `${api(s)}${path}`, body, what)).body;
}

/** `@acme` watches the org, a name with `*` is a pattern, anything else one package. */
export function targetArg(arg: string): Pick<HookCreateRequest, 'org' | 'package' | 'pattern'> {
  if (/^@[^/]+$/.test(arg)) return { org: arg.slice(1) };
  if (arg.includes('*')) return { pattern: arg };
  return { package: arg };
}

const watches = (h: HookResponse) => (h.target.kind === 'org' ? `@${h.target.name}` : h.target.name);

function id(arg: string | undefined, usage: string): string {
  if (!arg || !/^\d+$/.test(arg)) throw new CliError(`usage: unjucks ${usage} (the id from "unjucks hook ls")`);
  return arg;
}

const attemptLine = (d: HookDeliveryResponse) => {
  const last = d.attempts.at(-1);
  const outcome = last
    ? `${last.ok ? 'ok' : 'failed'} ${last.responseCode ?? '-'} in ${last.durationMs} ms${last.error ? ` (${last.error})` : ''}`
    : 'not tried yet';
  return `delivery ${d.id} ${d.event.type} ${d.event.id}: ${d.status}, ${d.attempts.length} attempt(s), last ${outcome}${d.nextAttemptAt ? `; next at ${d.nextAttemptAt}` : ''}`;
};

/** `unjucks hook add|ls|rm|test|deliveries|redeliver`: webhooks on what you own. */
export async function hookCommand(s: Settings, args: string[], f: HookFlags): Promise<HookOutput> {
  const [sub, a1, a2] = args;
  switch (sub) {
    case 'add': {
      if (!a1 || !a2) throw new CliError(USAGE);
      const format = str(f, 'format');
      if (format !== undefined && format !== 'json' && format !== 'slack') throw new CliError('--format is json or slack');
      const r = await call<HookCreatedResponse>(
        s,
        'POST',
        '/hooks',
        { ...targetArg(a1), url: a2, events: str(f, 'events'), format },
        `creating a hook on ${a1}`,
      );
      return {
        json: r,
        text: `hook ${r.id} on ${watches(r)} → ${r.url} (${r.format}; ${r.events.join(', ')})\nsecret: ${r.secret}\n(shown once, store it now: deliveries carry Unjucks-Signature: t=<time>,v1=<HMAC-SHA256 of "<time>.<body>">)`,
      };
    }
    case 'ls':
    case 'list': {
      const q = new URLSearchParams();
      if (str(f, 'org')) q.set('org', str(f, 'org')!);
      if (str(f, 'package')) q.set('package', str(f, 'package')!);
      const r = await call<HookListResponse>(s, 'GET', `/hooks${q.size ? `?${q}` : ''}`, undefined, 'listing hooks');
      const lines = r.hooks.map(
        (h) => `${h.id}  ${watches(h)}  ${h.url}  ${h.format}  ${h.enabled ? 'enabled' : `DISABLED: ${h.disabledReason ?? ''}`}  ${h.events.join(',')}`,
      );
      return { json: r, text: lines.length ? lines.join('\n') : 'no hooks' };
    }
    case 'rm': {
      const hook = id(a1, 'hook rm <id>');
      const r = await call(s, 'DELETE', `/hooks/${hook}`, undefined, `removing hook ${hook}`);
      return { json: r, text: `removed hook ${hook}` };
    }
    case 'test': {
      const hook = id(a1, 'hook test <id>');
      const r = await call<HookDeliveryResponse>(s, 'POST', `/hooks/${hook}/ping`, undefined, `pinging hook ${hook}`);
      if (r.status !== 'delivered') process.exitCode = 1;
      return { json: r, text: attemptLine(r) };
    }
    case 'deliveries': {
      const hook = id(a1, 'hook deliveries <id>');
      const r = await call<HookDeliveryListResponse>(s, 'GET', `/hooks/${hook}/deliveries`, undefined, `listing the deliveries of hook ${hook}`);
      return { json: r, text: r.deliveries.length ? r.deliveries.map(attemptLine).join('\n') : 'no deliveries yet' };
    }
    case 'redeliver': {
      const hook = id(a1, 'hook redeliver <id> <delivery>');
      const delivery = id(a2, 'hook redeliver <id> <delivery>');
      const r = await call<HookDeliveryResponse>(s, 'POST', `/hooks/${hook}/deliveries/${delivery}/redeliver`, undefined, `redelivering ${delivery}`);
      return { json: r, text: `delivery ${r.id} queued again (event ${r.event.id})` };
    }
    default:
      throw new CliError(USAGE);
  }
}

/** The command's entry point under the name the CLI rewrite looks for. */
