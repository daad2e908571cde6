/** Failures a command reports to the user: one line on stderr and an exit code. */

/** The server refused, or the input is wrong. */
export const EXIT_FAILURE = 1;
/** The server cannot be reached. */
export const EXIT_UNREACHABLE = 2;
/** 128 + SIGINT, as shells report a command ended by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
