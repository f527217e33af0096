import { InputError } from './errors.js';
import { stringList } from './string-list.js';

/**
 * What the registry announces to webhooks. Every event is written to the outbox in the same
 * transaction as the change it describes (server: hooks/emit.ts), so an event exists exactly when
 * its change committed. `ping` is only ever sent by `unjucks hook test`, to one subscription.
 */
export const EVENT_TYPES = [
  'version.published',
  'version.staged',
  'version.approved',
  'version.rejected',
  'version.deprecated',
  'version.undeprecated',
  'version.unpublished',
  'dist-tag.changed',
  'package.visibility-changed',
  'package.access-changed',
  'token.created',
  'token.revoked',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type DeliveredEventType = EventType | 'ping';

/** Events about tokens: an org's business only, so only org subscriptions (owners, admins) may ask for them. */
export const TOKEN_EVENT_TYPES: readonly EventType[] = ['token.created', 'token.revoked'];

export const HOOK_FORMATS = ['json', 'slack'] as const;
export type HookFormat = (typeof HOOK_FORMATS)[number];

/** What a subscription watches: an org (all its packages and its tokens), one package, or a name pattern. */
export type HookTarget = { kind: 'org'; name: string } | { kind: 'package'; name: string } | { kind: 'pattern'; name: string };

/**
 * The events a subscription asks for: a list, a comma-separated string, or `*` (every event its
 * target may carry). Unknown names are an error, never dropped.
 */
export function parseEventTypes(input: unknown, target: HookTarget['kind']): EventType[] {
  const all = target === 'org' ? [...EVENT_TYPES] : EVENT_TYPES.filter((t) => !TOKEN_EVENT_TYPES.includes(t));
  if (input === undefined || input === null || input === '*') return all;
  const items = stringList(input, `events must be a list such as ["version.published"]; known events: ${EVENT_TYPES.join(', ')}`);
  if (items.includes('*')) return all;
  const out = new Set<EventType>();
  for (const raw of items) {
    if (!EVENT_TYPES.includes(raw as EventType)) throw new InputError(`unknown event ${JSON.stringify(raw)}; known events: ${EVENT_TYPES.join(', ')}`);
    if (target !== 'org' && TOKEN_EVENT_TYPES.includes(raw as EventType))
      throw new InputError(`${raw} is announced to org subscriptions only (its owners and registry admins); subscribe on the org (@org) instead`);
    out.add(raw as EventType);
  }
  if (out.size === 0) throw new InputError('a subscription needs at least one event');
  return EVENT_TYPES.filter((t) => out.has(t));
}

/** The JSON body every `format: json` delivery carries. */
export interface HookEventBody {
  /** The event's id: the same on every attempt and redelivery, so receivers can deduplicate. */
  id: string;
  type: DeliveredEventType;
  /** When the change happened (ISO). */
  time: string;
  /** Who made the change (a user name), or null. */
  actor: string | null;
  /** The object: the package (and version) the event is about; null for token events and pings. */
  package: { name: string; version: string | null } | null;
  /** The org the object belongs to, or null. */
  org: string | null;
  data: Record<string, unknown>;
  hook: { id: number };
  delivery: { id: number };
}

/** Header names of a delivery (README: "Webhooks"). */
export const HOOK_HEADERS = {
  signature: 'unjucks-signature',
  event: 'unjucks-event',
  eventId: 'unjucks-event-id',
  delivery: 'unjucks-delivery',
} as const;

/** A one-line summary of an event, for people (Slack messages, the CLI). */
export function describeEvent(e: Pick<HookEventBody, 'type' | 'actor' | 'package' | 'org' | 'data'>): string {
  const who = e.actor ?? 'someone';
  const spec = e.package ? `${e.package.name}${e.package.version ? `@${e.package.version}` : ''}` : e.org ? `@${e.org}` : '';
  const d = e.data;
  switch (e.type) {
    case 'version.published':
      return `${who} published ${spec}`;
    case 'version.staged':
      return `${who} staged ${spec} for review`;
    case 'version.approved':
      return `${who} approved ${spec}`;
    case 'version.rejected':
      return `${who} rejected ${spec}${typeof d.reason === 'string' ? `: ${d.reason}` : ''}`;
    case 'version.deprecated':
      return `${who} deprecated ${spec}${typeof d.message === 'string' ? `: ${d.message}` : ''}`;
    case 'version.undeprecated':
      return `${who} lifted the deprecation of ${spec}`;
    case 'version.unpublished':
      return `${who} unpublished ${spec}`;
    case 'dist-tag.changed':
      return `${who} ${d.version ? `pointed tag ${String(d.tag)} of ${spec} at ${String(d.version)}` : `removed tag ${String(d.tag)} of ${spec}`}`;
    case 'package.visibility-changed':
      return `${who} made ${spec} ${String(d.visibility)}`;
    case 'package.access-changed':
      return `${who} changed access to ${spec}: ${String(d.principal)} ${d.role ? `is now ${String(d.role)}` : 'removed'}`;
    case 'token.created':
      return `${who} created token ${String(d.id)} for ${String(d.user)}${spec ? ` (limited to ${spec})` : ''}`;
    case 'token.revoked':
      return `${who} revoked token ${String(d.id)} of ${String(d.user)}`;
    case 'ping':
      return `ping from the registry: this hook works`;
  }
}
