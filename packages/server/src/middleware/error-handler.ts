import type { Context, ErrorHandler } from 'hono';
import { ERROR_CODES, isInputError, type ErrorCode } from '@unjucks/core';
import { isConnectionError, UnavailableError } from '../errors.js';
import { loggableError, logPath, type Logger } from '../log.js';
import { tracingOn } from '../tracing/index.js';
import { recordRequestError } from '../tracing/http.js';

/**
 * How an error reads to the client. The native API: `{ error, code, requestId }` plus the error's
 * details (a 422's `report`). The npm protocol: npm's own shape, `error` and `message` (npm prints
 * `error`; the registry docs say clients look at `message` first). Web pages render HTML (web/).
 */
export type ErrorFlavour = 'native' | 'npm';

/** Set by the request log before anything can fail (middleware/request-log.ts). */
const requestIdOf = (c: Context): string => {
  const id: unknown = c.get('requestId');
  return typeof id === 'string' ? id : 'unknown';
};

/** The JSON body and headers for one error code. */
export function errorBody(c: Context, flavour: ErrorFlavour, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return flavour === 'npm' ? { error: message, message, ...details } : { error: message, code, requestId: requestIdOf(c), ...details };
}

export function errorResponse(c: Context, flavour: ErrorFlavour, code: ErrorCode, message: string, details: Record<string, unknown> = {}, retryAfter?: number) {
  const status = ERROR_CODES[code].status;
  if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="unjucks-registry"');
  if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
  return c.json(errorBody(c, flavour, code, message, details), status);
}

/** The one error handler: the app uses it for the native API, the npm sub-app for npm's routes. */
export function renderErrors(logger: Logger, flavourOf: (c: Context) => ErrorFlavour): ErrorHandler {
  return (err, c) => {
    const flavour = flavourOf(c);
    if (isInputError(err)) {
      const retryAfter = err.status === 429 ? ((err.details as { retryAfter?: number }).retryAfter ?? 60) : undefined;
      return errorResponse(c, flavour, err.code, err.message, err.details, retryAfter);
    }
    const requestId = requestIdOf(c);
    if (tracingOn) recordRequestError(err);
    if (err instanceof UnavailableError || isConnectionError(err)) {
      const message = err instanceof UnavailableError ? err.message : 'the database is unavailable; try again shortly';
      logger.log('warn', 'dependency unavailable', { requestId, method: c.req.method, path: logPath(c.req.path), error: loggableError(err) });
      return errorResponse(c, flavour, 'unavailable', message, {}, err instanceof UnavailableError ? err.retryAfterSeconds : 5);
    }
    logger.log('error', 'unhandled error', { requestId, method: c.req.method, path: logPath(c.req.path), error: loggableError(err) });
    return errorResponse(c, flavour, 'internal', `internal error; the registry logged the details under request id ${requestId}`);
  };
}
