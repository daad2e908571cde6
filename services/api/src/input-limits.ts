/**
 * Every bound on what one request may make the api do, in one place: the parse limits of the
 * model (keys per mapping, aliases, nesting, expanded size) and the number of objects one apply
 * may write. Each has an environment variable (read by `@meshgate/runtime`'s config) and is
 * named, with its value, in the error of a request that goes past it.
 */
import { DEFAULT_PARSE_LIMITS, type ExceededLimit, type ParseLimits } from '@meshgate/model';
import { apiError, type ApiError } from './errors.js';

export interface InputLimits extends ParseLimits {
  /** Objects in one apply: each costs a validation, a digest and an event in one transaction. */
  maxObjects: number;
}

export type InputLimitName = keyof InputLimits;

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = {
  ...DEFAULT_PARSE_LIMITS,
  // Measured (docs/decisions.md): the embedded store writes on the main thread; 8,500 small
  // Services in one 1 MiB body held the event loop 5 s, 1,000 took 0.6–1.2 s depending on load.
  maxObjects: 500,
};

export const LIMIT_VARIABLES: Readonly<Record<InputLimitName, string>> = {
  maxKeysPerMapping: 'MESHGATE_APPLY_MAX_KEYS',
  maxAliases: 'MESHGATE_APPLY_MAX_ALIASES',
  maxDepth: 'MESHGATE_APPLY_MAX_DEPTH',
  maxExpandedBytes: 'MESHGATE_APPLY_MAX_EXPANDED_BYTES',
  maxObjects: 'MESHGATE_APPLY_MAX_OBJECTS',
};

/** Size limits answer 413 (the request is too large); shape limits 422 (it is not processable). */
const SIZE_LIMITS: ReadonlySet<InputLimitName> = new Set(['maxExpandedBytes', 'maxObjects']);

/** The limits in force: the defaults, with what the caller gave (unset or undefined keeps the default). */
export function resolveInputLimits(given: Partial<InputLimits> = {}): InputLimits {
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS };
  for (const name of Object.keys(LIMIT_VARIABLES) as InputLimitName[]) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value <= 0) throw new Error(`input limit ${name} must be a positive integer, got ${String(value)}`);
    limits[name] = value;
  }
  return limits;
}

/** The error for a request past `limit`; `where` adds the line and column when known. */
export function limitExceeded(limit: ExceededLimit | { name: InputLimitName; max: number }, message: string, where: { line?: number; column?: number } = {}): ApiError {
  const variable = LIMIT_VARIABLES[limit.name];
  const code = SIZE_LIMITS.has(limit.name) ? 'MG_ERR_TOO_LARGE' : 'MG_ERR_LIMIT_EXCEEDED';
  const at = where.line === undefined ? '' : ` at line ${where.line}, column ${where.column ?? 1}`;
  return apiError(code, `${message}${at}: limit ${limit.name} is ${limit.max} (${variable}); nothing was written`, {
    limit: limit.name,
    max: limit.max,
    variable,
    ...where,
  });
}
