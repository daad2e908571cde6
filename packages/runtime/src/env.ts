/**
 * Readers of one environment variable each: an unset or empty variable means the default, and a
 * bad value is an error naming the variable. Shared by every settings module.
 */
export function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name}: expected a port number 0-65535, got "${raw}"`);
  return value;
}

export function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: expected a positive integer, got "${raw}"`);
  return value;
}

/** A positive integer, or undefined when unset: the reader's caller keeps its own default. */
export function optionalPositiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  return positiveInt(env, name, 0);
}

export function fraction(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value >= 1) throw new Error(`${name}: expected a number between 0 and 1 (exclusive), got "${raw}"`);
  return value;
}

export function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** `<namespace>/<name>`, e.g. a service account; both parts non-empty. */
export function namespacedName(env: NodeJS.ProcessEnv, name: string, fallback: { namespace: string; serviceAccount: string }): { namespace: string; serviceAccount: string } {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(raw);
  if (!match) throw new Error(`${name}: expected <namespace>/<service-account>, got "${raw}"`);
  return { namespace: match[1], serviceAccount: match[2] };
}

/** `true`/`1` or `false`/`0` (unset: false); anything else is refused rather than guessed. */
export function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new Error(`${name}: expected true or false, got "${raw}"`);
}
