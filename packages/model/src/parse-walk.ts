/**
 * The checks that bound a parse, in time linear in what they look at:
 *
 * - `checkYamlTree` walks a document's syntax tree once (aliases are not followed): duplicate
 *   keys (the yaml package's own check compares each key with every earlier one, which took 40 s
 *   for a mapping of 60,000 keys), keys per mapping, nesting depth and the number of aliases.
 * - `measureExpanded` walks the plain value with aliases expanded (the yaml package shares one
 *   object between an anchor and its aliases, so this walk is where the expansion is counted),
 *   adding up the size of its JSON text and stopping as soon as a limit is passed: its cost is
 *   bounded by the limit, not by what the aliases would expand to.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ExceededLimit, ParseLimits } from './parse-limits.js';

export interface TreeProblem {
  /** Offset in the text. */
  offset: number;
  message: string;
  limit?: ExceededLimit;
}

/** The first problem in a document's tree, or undefined. */
export function checkYamlTree(document: Document.Parsed, limits: ParseLimits): TreeProblem | undefined {
  let aliases = 0;
  const pending: { node: Node | null | undefined; depth: number }[] = [{ node: document.contents, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, depth } = next;
    if (node === null || node === undefined || isScalar(node)) continue;
    const offset = node.range?.[0] ?? 0;
    if (isAlias(node)) {
      aliases += 1;
      if (aliases > limits.maxAliases) {
        return { offset, message: `more than ${limits.maxAliases} aliases in one document`, limit: { name: 'maxAliases', max: limits.maxAliases } };
      }
      continue;
    }
    if (depth >= limits.maxDepth) {
      return { offset, message: `nested deeper than ${limits.maxDepth} levels`, limit: { name: 'maxDepth', max: limits.maxDepth } };
    }
    if (isSeq(node)) {
      for (const item of node.items) pending.push({ node: item as Node, depth: depth + 1 });
      continue;
    }
    if (!isMap(node)) continue;
    if (node.items.length > limits.maxKeysPerMapping) {
      return { offset, message: `a mapping with ${node.items.length} keys, more than ${limits.maxKeysPerMapping}`, limit: { name: 'maxKeysPerMapping', max: limits.maxKeysPerMapping } };
    }
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const target = isAlias(key) ? key.resolve(document) : key;
      const keyOffset = key?.range?.[0] ?? offset;
      if (target !== null && target !== undefined && !isScalar(target)) return { offset: keyOffset, message: 'mapping keys must be scalars' };
      // As keys of the plain object, 1 and "1" are the same key: one would silently replace the other.
      const name = target === null || target === undefined ? '' : String(target.value);
      if (seen.has(name)) return { offset: keyOffset, message: `map keys must be unique; ${JSON.stringify(name)} appears twice` };
      seen.add(name);
      pending.push({ node: key, depth: depth + 1 });
      pending.push({ node: pair.value as Node | null, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Where a measure ran past a limit. */
export interface MeasureProblem {
  message: string;
  limit: ExceededLimit;
}

/** Scalars as JSON text: strings with their quotes (escapes not counted), numbers as written. */
function scalarSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value).length;
  if (typeof value === 'boolean') return value ? 4 : 5;
  return 4; // null, and whatever JSON would write as null
}

/**
 * Adds the JSON size of `value` to `budget.used`, checking depth and keys per mapping on the way
 * (aliases can nest what they expand to). Stops at the first limit passed.
 */
export function measureExpanded(value: unknown, limits: ParseLimits, budget: { used: number }): MeasureProblem | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: current, depth } = next;
    if (typeof current !== 'object' || current === null) {
      budget.used += scalarSize(current) + 1;
    } else {
      if (depth >= limits.maxDepth) return { message: `nested deeper than ${limits.maxDepth} levels`, limit: { name: 'maxDepth', max: limits.maxDepth } };
      if (Array.isArray(current)) {
        budget.used += 2 + current.length;
        for (const item of current) pending.push({ value: item, depth: depth + 1 });
      } else {
        const keys = Object.keys(current);
        if (keys.length > limits.maxKeysPerMapping) {
          return { message: `a mapping with ${keys.length} keys, more than ${limits.maxKeysPerMapping}`, limit: { name: 'maxKeysPerMapping', max: limits.maxKeysPerMapping } };
        }
        budget.used += 2;
        for (const key of keys) {
          budget.used += key.length + 4;
          pending.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 });
        }
      }
    }
    if (budget.used > limits.maxExpandedBytes) {
      return { message: `the documents expand to more than ${limits.maxExpandedBytes} bytes of JSON`, limit: { name: 'maxExpandedBytes', max: limits.maxExpandedBytes } };
    }
  }
  return undefined;
}
