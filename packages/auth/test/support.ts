import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempDir {
  path: string;
  file(name: string): string;
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshgate-auth-'));
  return {
    path: dir,
    file: (name) => path.join(dir, name),
    async write(name, text) {
      const file = path.join(dir, name);
      await writeFile(file, text, { mode: 0o600 });
      return file;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
