/**
 * The repository's `proto/` folder (meshgate/v1 and the google/rpc messages of rich errors), and
 * the package definition every server, client and the reflection service are built from. Loaded
 * once, lazily. Messages decode as @grpc/proto-loader does with these options: camelCase fields,
 * empty strings and lists for unset fields, null for an unset message, 64-bit integers as numbers
 * (sequences stay below 2^53; a larger one decodes to an unsafe integer, which handlers refuse).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/** The files of meshgate's own API, relative to the proto folder. */
export const MESHGATE_PROTO_FILES = ['meshgate/v1/ca.proto', 'meshgate/v1/resources.proto', 'meshgate/v1/events.proto', 'meshgate/v1/proxies.proto'] as const;

export const LOADER_OPTIONS: Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/** The `proto/` folder, found by walking up from this module (src/ or dist/src/ of the package). */
export function protoDir(): string {
  const marker = path.join('proto', MESHGATE_PROTO_FILES[0]);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, marker))) return path.join(dir, 'proto');
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${marker} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let cached: PackageDefinition | undefined;

/** Every service and message of meshgate.v1 (and the well-known types they use). */
export function meshgatePackageDefinition(): PackageDefinition {
  cached ??= loadSync([...MESHGATE_PROTO_FILES], { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  return cached;
}
