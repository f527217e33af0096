import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { createLogger, loggableError, logPath } from './log.js';

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

describe('createLogger', () => {
  it('stamps each line with the current time in ISO 8601, and keeps the fields in order after time, level and msg', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l));
    const before = Date.now();
    logger.log('info', 'first', { a: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const mid = Date.now();
    logger.log('warn', 'second', { b: 'x' });
    logger.log('debug', 'dropped');
    const after = Date.now();
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as { time: string });
    expect(Object.keys(first!)).toEqual(['time', 'level', 'msg', 'a']);
    for (const t of [first!.time, second!.time]) {
      expect(new Date(t).toISOString()).toBe(t);
      expect(Date.parse(t)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(t)).toBeLessThanOrEqual(after);
    }
    // A later line never carries an earlier millisecond's stamp (the stamp is made once per
    // millisecond). Timers may fire a little early by Date.now(), so compare with the clock itself.
    expect(Date.parse(second!.time)).toBeGreaterThanOrEqual(mid);
    expect(Date.parse(second!.time)).toBeGreaterThan(Date.parse(first!.time));
  });
});
