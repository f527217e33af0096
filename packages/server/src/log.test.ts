import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { loggableError, logPath } from './log.js';

describe('loggableError', () => {
  it('keeps the SQL of a failed query but never its parameters', () => {
    const err = new DrizzleQueryError('select * from users where name = $1', ['x'.repeat(1_000_000)], new Error('invalid byte sequence'));
    const text = loggableError(err);
    expect(text).toMatch(/failed query: select \* from users where name = \$1 \(1 parameter\(s\), not logged\); cause: invalid byte sequence/);
    expect(text).not.toContain('xxxx');
    expect(text.length).toBeLessThan(3000);
  });

  it('cuts long messages and keeps at most ten stack frames', () => {
    const err = new Error('m'.repeat(100_000));
    err.stack = `Error: ${err.message}\n${Array.from({ length: 50 }, (_, i) => `    at frame${i} (file.js:1:1)`).join('\n')}`;
    const lines = loggableError(err).split('\n');
    expect(lines[0]!.length).toBeLessThan(1100);
    expect(lines).toHaveLength(11);
    expect(loggableError('x'.repeat(5000)).length).toBeLessThan(1100);
  });

  it('logs paths without their query string, cut to 200 characters', () => {
    expect(logPath('/a'.repeat(500))).toHaveLength(201);
  });
});
