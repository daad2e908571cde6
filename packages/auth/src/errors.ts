/** A credential setting that cannot be used: a start-up failure that names the variable. */
export class AuthConfigError extends Error {
  readonly code = 'MG_ERR_AUTH_CONFIG';

  constructor(
    message: string,
    /** The environment variable (or file) at fault. */
    readonly variable: string,
  ) {
    super(message);
    this.name = 'AuthConfigError';
  }
}
