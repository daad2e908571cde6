#!/usr/bin/env node
/**
 * Rewrites the root package.json for the runtime image: only the workspaces the services and the
 * CLI run (no test kit, e2e or bench) and no devDependencies. npm installs every workspace and
 * its dependencies even with --omit=dev, so the test-only workspaces must leave the list for
 * `npm install --omit=dev` to keep testcontainers and friends out of the image. The lockfile
 * still pins every version.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** The test-only workspaces; everything else is needed at run time. */
export const TEST_ONLY_WORKSPACES = ['packages/testkit', 'test/e2e', 'bench'];

const file = process.argv[2] ?? 'package.json';
const manifest = JSON.parse(readFileSync(file, 'utf8'));
manifest.workspaces = manifest.workspaces.filter((w) => !TEST_ONLY_WORKSPACES.includes(w));
delete manifest.devDependencies;
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
