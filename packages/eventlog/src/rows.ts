/**
 * Decoding driver values into the contract's types. `pg` returns bigint columns as strings
 * and PGlite as numbers; both return jsonb parsed and timestamptz as Date. Anything else is a
 * schema mismatch and fails loudly rather than leaking a wrong type.
 */
import type { Row } from './sql-database.js';

export function column(row: Row, name: string): unknown {
  if (!(name in row)) throw new Error(`eventlog: result row has no column "${name}"`);
  return row[name];
}

/** A bigint column as a JS number (sequences and versions stay far below 2^53). */
export function integerColumn(row: Row, name: string): number {
  const value = column(row, name);
  const number = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new Error(`eventlog: column "${name}" is not a safe integer: ${String(value)}`);
  }
  return number;
}

export function textColumn(row: Row, name: string): string {
  const value = column(row, name);
  if (typeof value !== 'string') throw new Error(`eventlog: column "${name}" is not text`);
  return value;
}

export function nullableTextColumn(row: Row, name: string): string | null {
  const value = column(row, name);
  return value === null ? null : textColumn(row, name);
}

/** A timestamptz column as an ISO-8601 string. */
export function timestampColumn(row: Row, name: string): string {
  const value = column(row, name);
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new Error(`eventlog: column "${name}" is not a timestamp: ${String(value)}`);
  }
  return date.toISOString();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A jsonb column that must hold an object. */
export function recordColumn(row: Row, name: string): Record<string, unknown> {
  const value = column(row, name);
  if (!isRecord(value)) throw new Error(`eventlog: column "${name}" is not a JSON object`);
  return value;
}
