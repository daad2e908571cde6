import type { Diagnostic } from './types.js';

/**
 * Collects problems found while compiling. The compiler never throws on user data: what it
 * cannot translate is skipped and reported here, once, naming the object (`Kind/ns/name`).
 */
export class Diagnostics {
  /** Made on the first problem: most compiled units have none, and a full compile makes thousands of units. */
  private byKey?: Map<string, Diagnostic>;

  warn(object: string, message: string): void {
    this.add({ severity: 'warning', object, message });
  }

  error(object: string, message: string): void {
    this.add({ severity: 'error', object, message });
  }

  /** Replays problems collected elsewhere (a memoised mesh-wide resource's). */
  addAll(diagnostics: readonly Diagnostic[]): void {
    for (let i = 0; i < diagnostics.length; i++) this.add(diagnostics[i]);
  }

  private add(diagnostic: Diagnostic): void {
    // The same VirtualService can be reached through several listeners; report it once.
    const key = `${diagnostic.severity}\u0000${diagnostic.object}\u0000${diagnostic.message}`;
    this.byKey ??= new Map();
    if (!this.byKey.has(key)) this.byKey.set(key, diagnostic);
  }

  /** Sorted by object, then message, then severity: the same problems give the same list. */
  list(): Diagnostic[] {
    if (!this.byKey) return [];
    return [...this.byKey.values()].sort(
      (a, b) => compare(a.object, b.object) || compare(a.message, b.message) || compare(a.severity, b.severity),
    );
  }
}

/** Code-unit order, independent of locale (localeCompare is not deterministic across ICU builds). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
