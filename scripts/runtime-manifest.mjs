#!/usr/bin/env node
/**
 * Rewrites the root package.json for the runtime image: only the workspaces the services and the
 * CLI run (no test kit, e2e or bench) and no devDependencies. npm installs every workspace and
 * its dependencies even with --omit=dev, so the test-only workspaces must leave the list for
 * `npm install --omit=dev` to keep testcontainers and friends out of the image. The lockfile
 * still pins every version.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The test-only workspaces; everything else is needed at run time. */
export const TEST_ONLY_WORKSPACES = ['packages/testkit', 'test/e2e', 'bench'];

/** The root manifest as the runtime image installs it (no scripts: nothing is built there). */
export function runtimeManifest(manifest) {
  const { devDependencies: _dev, scripts: _scripts, ...rest } = manifest;
  return { ...rest, workspaces: manifest.workspaces.filter((w) => !TEST_ONLY_WORKSPACES.includes(w)) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? 'package.json';
  writeFileSync(file, `${JSON.stringify(runtimeManifest(JSON.parse(readFileSync(file, 'utf8'))), null, 2)}\n`);
}
