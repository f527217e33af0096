import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** The codes an input error may carry: the 4xx part of ERROR_CODES (5xx are the system's fault). */
export type InputErrorCode = Exclude<ErrorCode, 'internal' | 'unavailable'>;

/**
 * An error caused by the input (a package, a name, a spec), not by the system. `code` is one of
 * ERROR_CODES and decides the HTTP status a server answers with; the CLI prints `message`.
 */
export class InputError extends Error {
  readonly status: (typeof ERROR_CODES)[InputErrorCode]['status'];

  constructor(
    message: string,
    readonly code: InputErrorCode = 'bad_request',
    /** More fields for the JSON error body, beside `error` (e.g. a validation report). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'InputError';
    this.status = ERROR_CODES[code].status;
  }
}

export const isInputError = (e: unknown): e is InputError => e instanceof InputError;
