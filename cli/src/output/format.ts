/** `-o json` and `-o yaml`: the objects as the server sent them. */
import { stringify } from 'yaml';
import { CliError } from '../errors.js';

export const STRUCTURED_FORMATS = ['json', 'yaml'] as const;
export type StructuredFormat = (typeof STRUCTURED_FORMATS)[number];

export function formatStructured(value: unknown, format: StructuredFormat): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

/** Checks an `-o` value against the formats a command offers. */
export function parseFormat<F extends string>(value: string, allowed: readonly F[]): F {
  const found = allowed.find((format) => format === value);
  if (found === undefined) throw new CliError(`error: unknown output format "${value}"; use one of: ${allowed.join(', ')}`);
  return found;
}
