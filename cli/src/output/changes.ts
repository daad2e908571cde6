/**
 * How history and dry runs print changes: objects and xDS resources marked `+` (added), `~`
 * (changed), `-` (removed), each changed one followed by its fields, `path: old → new`.
 */
import { arrayAt, at, numberAt, stringAt } from '../json.js';
import { resourceType } from '../kinds.js';

const MARKS: Readonly<Record<string, string>> = { added: '+', changed: '~', removed: '-' };

function value(found: unknown): string {
  return found === undefined ? '…' : JSON.stringify(found);
}

/** One line per field change, indented; `… and N more` when the server left some out. */
export function fieldLines(entry: unknown, indent: string): string[] {
  const lines = arrayAt(entry, 'fields').map((field) => {
    const op = stringAt(field, 'op') ?? 'changed';
    const path = stringAt(field, 'path') || '(whole value)';
    const from = at(field, 'from');
    const to = at(field, 'to');
    if (op === 'added') return `${indent}+ ${path}: ${value(to)}`;
    if (op === 'removed') return `${indent}- ${path}: ${value(from)}`;
    return `${indent}~ ${path}: ${value(from)} → ${value(to)}`;
  });
  const omitted = numberAt(entry, 'omittedFields');
  if (omitted !== undefined && omitted > 0) lines.push(`${indent}… and ${omitted} more field change${omitted === 1 ? '' : 's'}`);
  return lines;
}

function mark(entry: unknown): string {
  return MARKS[stringAt(entry, 'change') ?? ''] ?? '?';
}

/** `~ virtualservice.networking.istio.io/httpbin -n default` and its fields. */
export function objectChangeLines(objects: readonly unknown[]): string[] {
  return objects.flatMap((entry) => {
    const kind = stringAt(entry, 'kind') ?? '?';
    const namespace = stringAt(entry, 'namespace') ?? '';
    const where = namespace === '' ? '' : ` -n ${namespace}`;
    return [`${mark(entry)} ${resourceType(kind)}/${stringAt(entry, 'name') ?? '?'}${where}`, ...fieldLines(entry, '    ')];
  });
}

/** Per proxy: `proxy ingress-1 (ingress-gateway envoy, istio-system)`, then `~ RouteConfiguration http.80` and its fields. */
export function proxyChangeLines(proxies: readonly unknown[]): string[] {
  return proxies.flatMap((proxy) => {
    const role = stringAt(proxy, 'node', 'role');
    const client = stringAt(proxy, 'node', 'client');
    const namespace = stringAt(proxy, 'node', 'namespace');
    const about = role === undefined ? '' : ` (${[role, client].filter(Boolean).join(' ')}${namespace ? `, ${namespace}` : ''})`;
    const changes = arrayAt(proxy, 'changes').flatMap((change) => [
      `  ${mark(change)} ${stringAt(change, 'type') ?? '?'} ${stringAt(change, 'name') ?? '?'}`,
      ...fieldLines(change, '      '),
    ]);
    return [`proxy ${stringAt(proxy, 'id') ?? '?'}${about}`, ...changes];
  });
}

/** The proxies part of a diff or dry run, with a closing count; nothing when the server compared none. */
export function proxiesSection(body: unknown, verb: string): string[] {
  const compared = numberAt(body, 'proxiesCompared');
  if (compared === undefined) return [];
  const proxies = arrayAt(body, 'proxies');
  const count = `${proxies.length} of ${compared} connected prox${compared === 1 ? 'y' : 'ies'} ${verb}`;
  return proxies.length === 0 ? [count] : [...proxyChangeLines(proxies), count];
}
