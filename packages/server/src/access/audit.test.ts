import { describe, expect, it } from 'vitest';
import { AUDIT_LIMITS, boundedAuditEntry, type AuditEntry } from './audit.js';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  actor: 'ann',
  tokenId: null,
  ip: '192.0.2.1',
  action: 'package.update',
  target: 'pkg',
  org: null,
  outcome: 'failed',
  status: 400,
  ...over,
});

describe('boundedAuditEntry', () => {
  it('keeps short records as they are', () => {
    const e = entry({ detail: { version: '1.0.0', via: 'npm' } });
    expect(boundedAuditEntry(e)).toEqual(e);
  });

  it('cuts a long target, actor and detail strings, marking the cut', () => {
    const b = boundedAuditEntry(entry({ actor: 'a'.repeat(4000), target: 'x'.repeat(4000), detail: { error: 'e'.repeat(4000) } }));
    expect(b.target).toHaveLength(AUDIT_LIMITS.target);
    expect(b.target!.endsWith('…')).toBe(true);
    expect(b.actor).toHaveLength(AUDIT_LIMITS.actor);
    expect((b.detail!.error as string).length).toBe(AUDIT_LIMITS.detailString);
  });

  it('keeps a detail with many or deep fields within its byte budget', () => {
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'.repeat(200)]));
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 50; i++) deep = { d: deep };
    for (const detail of [wide, deep, { list: Array.from({ length: 5000 }, () => 'y'.repeat(100)) }]) {
      const b = boundedAuditEntry(entry({ detail }));
      expect(Buffer.byteLength(JSON.stringify(b.detail))).toBeLessThanOrEqual(AUDIT_LIMITS.detailBytes + 64);
    }
  });
});
