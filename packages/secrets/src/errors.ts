/**
 * What the secret store and its cipher throw. The codes are the CA's (MG_ERR_CA_CONFIG for a key
 * that is missing or wrong, MG_ERR_CA_BAD_REQUEST for a malformed reference): the store moved out
 * of the ca service, its errors did not change meaning. The ca maps them like its own.
 */
export type SecretsErrorCode = 'MG_ERR_CA_CONFIG' | 'MG_ERR_CA_BAD_REQUEST';

export class SecretsError extends Error {
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SecretsError';
  }
}
