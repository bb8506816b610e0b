/**
 * The one error type for user-facing failures. The message says what is wrong, where (file, line,
 * region) and how to fix it; commands print it without a stack trace and exit with `exit`.
 */
export class GroverError extends Error {
  readonly exit: number

  constructor(message: string, exit = 2) {
    super(message)
    this.name = 'GroverError'
    this.exit = exit
  }
}

/** Raised inside the pipeline when Ctrl-C or SIGTERM asked the run to stop: the command keeps what is complete. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted')
  }
}

/** Raised inside the pipeline when stdout's reader went away (`| head`): stop quietly, exit 0. */
export class OutputClosed extends Error {
  constructor() {
    super('output closed by the reader')
    this.name = 'OutputClosed'
  }
}
