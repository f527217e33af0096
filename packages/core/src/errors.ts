/**
 * An error caused by the input (a package, a name, a spec), not by the system.
 * `status` is the HTTP status a server answers with; the CLI prints `message`.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 = 400,
    readonly code = 'invalid-input',
    /** More fields for the JSON error body, beside `error` (e.g. a validation report). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export const isInputError = (e: unknown): e is InputError => e instanceof InputError;
