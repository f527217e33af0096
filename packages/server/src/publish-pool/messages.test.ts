import { InputError, isInputError } from '@unjucks/core';
import { describe, expect, it } from 'vitest';
import { isConnectionError, UnavailableError } from '../errors.js';
import { pgErrorCode } from '../db/database.js';
import { receiveError, sendError } from './messages.js';

/** What an error is once it has crossed from a publish worker: sent, structured-cloned, received. */
const crossed = (e: unknown) => receiveError(structuredClone(sendError(e)));

describe('errors from a publish worker', () => {
  it('keeps an InputError whole: its code, status and details (a 422 report)', () => {
    const report = { ok: false, errors: 1, findings: [{ rule: 'manifest/invalid', severity: 'error', message: 'bad' }] };
    const e = crossed(new InputError('the package failed validation', 'validation_failed', { report }));
    expect(isInputError(e)).toBe(true);
    expect(e).toMatchObject({ message: 'the package failed validation', code: 'validation_failed', status: 422, details: { report } });
  });

  it('keeps a storage outage a 503 with its Retry-After', () => {
    const e = crossed(new UnavailableError('storage (S3) is unavailable: down; nothing was stored; try again shortly', 7));
    expect(e).toBeInstanceOf(UnavailableError);
    expect(e).toMatchObject({ message: 'storage (S3) is unavailable: down; nothing was stored; try again shortly', retryAfterSeconds: 7 });
  });

  it('keeps the code a lost database connection and a Postgres error are known by, and the stack', () => {
    const lost = crossed(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }));
    expect(isConnectionError(lost)).toBe(true);
    // drizzle wraps the driver's error: its code is found down the causes.
    const wrapped = new Error('Failed query: insert ...', { cause: Object.assign(new Error('deadlock detected'), { code: '40P01' }) });
    const received = crossed(wrapped);
    expect(pgErrorCode(received)).toBe('40P01');
    expect(isConnectionError(received)).toBe(false);
    expect(received.message).toBe('Failed query: insert ...');
    // The causes go as text, in the stack the error log shows.
    expect(received.stack).toBe(`${wrapped.stack}\ncaused by: ${(wrapped.cause as Error).stack}`);
    // The code that decides is kept, wherever it is: a lost connection under another code, or in an AggregateError.
    const under = crossed(Object.assign(new Error('query failed'), { code: 'ERR_QUERY', cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }));
    expect(isConnectionError(under)).toBe(true);
    expect(isConnectionError(crossed(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'all failed')))).toBe(true);
    const sqlstate = crossed(Object.assign(new Error('wrapped'), { code: 'ERR_DRIZZLE', cause: Object.assign(new Error('unique'), { code: '23505' }) }));
    expect(pgErrorCode(sqlstate)).toBe('23505');
    const plain = crossed(new TypeError('x is undefined'));
    expect(plain).toMatchObject({ name: 'TypeError', message: 'x is undefined' });
    expect(crossed('a string thrown')).toMatchObject({ message: 'a string thrown' });
  });
});
