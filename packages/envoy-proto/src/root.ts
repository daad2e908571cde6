/**
 * The one protobufjs Root holding the Envoy v3 descriptors: loaded lazily on first use, once
 * per process (~150 ms, ~13 MB), then shared by every check, encode and decode.
 */
import protobuf from 'protobufjs';
import { ENVOY_PROTO_FILES, findInIncludeDirs, includeDirs } from './proto-files.js';

const TYPE_URL_PREFIX = 'type.googleapis.com/';

let cachedRoot: protobuf.Root | undefined;
/** Only hits are cached: misses come from bad input and must not grow the map without bound. */
const typesByUrl = new Map<string, protobuf.Type>();

/** The loaded, resolved Root. Field names are kept as written in the .proto (snake_case). */
export function envoyRoot(): protobuf.Root {
  cachedRoot ??= loadRoot();
  return cachedRoot;
}

function loadRoot(): protobuf.Root {
  const dirs = includeDirs();
  const root = new protobuf.Root();
  // Not found in our include dirs → hand the name back unchanged, so protobufjs can still use
  // its bundled google/protobuf/*.proto (any, struct, duration, …); a genuinely missing file
  // then fails the load loudly.
  root.resolvePath = (_origin, target) => findInIncludeDirs(dirs, target) ?? target;
  root.loadSync([...ENVOY_PROTO_FILES], { keepCase: true });
  root.resolveAll();
  return root;
}

/**
 * The message type a type URL names (`type.googleapis.com/<full.name>`), or undefined when the
 * URL has another form or names no loaded message. Only exact full names match: protobufjs'
 * own lookup would also accept a bare `Listener` found anywhere in the tree.
 */
export function messageTypeForUrl(typeUrl: string): protobuf.Type | undefined {
  const cached = typesByUrl.get(typeUrl);
  if (cached) return cached;
  const type = resolveTypeUrl(typeUrl);
  if (type) typesByUrl.set(typeUrl, type);
  return type;
}

function resolveTypeUrl(typeUrl: string): protobuf.Type | undefined {
  if (!typeUrl.startsWith(TYPE_URL_PREFIX)) return undefined;
  const fullName = typeUrl.slice(TYPE_URL_PREFIX.length);
  if (!/^[A-Za-z_][\w.]*$/.test(fullName)) return undefined;
  const found = envoyRoot().lookup(fullName);
  return found instanceof protobuf.Type && found.fullName === `.${fullName}` ? found : undefined;
}

/** `type.googleapis.com/<full.name>` for a loaded message type. */
export function typeUrlOf(type: protobuf.Type): string {
  return TYPE_URL_PREFIX + type.fullName.replace(/^\./, '');
}
