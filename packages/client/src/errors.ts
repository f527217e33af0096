/** An error to print as one line and exit non-zero with; never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The registry answered with an error: its message, and its code (README, "Error codes") when it sent one. */
export class RegistryError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}
