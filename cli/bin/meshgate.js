#!/usr/bin/env node
// The `meshgate` bin. This file is committed (not compiled) so that npm links the bin on the
// first `npm install` of a fresh clone, before anything is built. It runs the compiled CLI; when
// that does not exist yet, it builds the workspace once (what `npm run build` does) and says so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/src/main.js', import.meta.url);

if (!existsSync(compiled)) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  process.stderr.write('meshgate: the CLI is not built yet; building the workspace once (npm run build)…\n');
  const tsc = createRequire(new URL('../../package.json', import.meta.url)).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0 || !existsSync(compiled)) {
    process.stderr.write('meshgate: the build failed; run `npm run build` in the repository to see why\n');
    process.exit(1);
  }
}

await import(compiled.href);
