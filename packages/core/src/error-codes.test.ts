import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, errorStatus, isErrorCode } from './error-codes.js';
import { InputError } from './errors.js';

describe('error codes', () => {
  it('gives every code a status and a meaning', () => {
    for (const [code, { status, meaning }] of Object.entries(ERROR_CODES)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(meaning.length, code).toBeGreaterThan(10);
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    }
  });

  it('derives the status of an InputError from its code', () => {
    expect(new InputError('x').status).toBe(400);
    expect(new InputError('x', 'not_found').status).toBe(404);
    expect(new InputError('x', 'validation_failed').status).toBe(errorStatus('validation_failed'));
  });

  // Every throw site's code is checked by the compiler (InputError takes InputErrorCode, and
  // `pnpm test` builds first); at run time a code from outside the set (a cast, plain JS) throws.
  it('refuses a code outside the set', () => {
    expect(() => new InputError('x', 'invalid-input' as never)).toThrow(TypeError);
    expect(isErrorCode('not_found')).toBe(true);
    expect(isErrorCode('not-found')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('is listed in the README, one row per code with its status', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]));
  });
});
