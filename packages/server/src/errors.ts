/** A dependency the registry needs is down: the request may succeed later, so 503 with Retry-After. */
export class UnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
    this.name = 'UnavailableError';
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/** Whether an error means the database could not be reached, rather than a bad query. */
export function isConnectionError(e: unknown): boolean {
  return connectionCode(e) !== undefined;
}

/** The code that says an error means a lost connection (down its causes and an AggregateError's errors), if one does. */
export function connectionCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    const errors = (cur as { errors?: unknown[] }).errors;
    if (Array.isArray(errors))
      for (const inner of errors) {
        const found = connectionCode(inner);
        if (found) return found;
      }
  }
  return undefined;
}
