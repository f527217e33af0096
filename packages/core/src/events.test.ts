import { describe, expect, it } from 'vitest';
import { describeEvent, EVENT_TYPES, parseEventTypes } from './events.js';

describe('hook event lists', () => {
  it('defaults to every event the target carries: token events on org hooks only', () => {
    expect(parseEventTypes(undefined, 'org')).toEqual([...EVENT_TYPES]);
    expect(parseEventTypes('*', 'package')).not.toContain('token.created');
    expect(parseEventTypes(['*'], 'pattern')).toHaveLength(EVENT_TYPES.length - 2);
  });

  it('parses lists and comma-separated text in a fixed order, refusing unknown and misplaced events', () => {
    expect(parseEventTypes('dist-tag.changed, version.published', 'package')).toEqual(['version.published', 'dist-tag.changed']);
    expect(() => parseEventTypes(['version.exploded'], 'org')).toThrow(/unknown event "version.exploded"/);
    expect(() => parseEventTypes(['token.revoked'], 'package')).toThrow(/org subscriptions only/);
    expect(() => parseEventTypes([], 'org')).toThrow(/at least one event/);
    expect(() => parseEventTypes(42, 'org')).toThrow(/must be a list/);
  });

  it('says what happened in one line (the Slack text)', () => {
    const base = { actor: 'alice', org: 'acme', package: { name: '@acme/kit', version: '1.2.0' } };
    expect(describeEvent({ ...base, type: 'version.published', data: {} })).toBe('alice published @acme/kit@1.2.0');
    expect(describeEvent({ ...base, type: 'dist-tag.changed', data: { tag: 'beta', version: null } })).toBe('alice removed tag beta of @acme/kit@1.2.0');
    expect(describeEvent({ ...base, package: null, type: 'token.revoked', data: { id: 't1', user: 'bob' } })).toBe('alice revoked token t1 of bob');
  });
});
