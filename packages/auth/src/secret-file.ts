/**
 * A small secret generated once into a file of its own (the CA's encryption key, the API token of
 * the embedded default): created with mode 0600 if it is missing, read back otherwise.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes sure `file` exists, writing `generate()` into it when it does not. true when this call
 * created it. The content is written whole under a temporary name, then linked into place:
 * link() fails if the file exists, so of two processes starting at once one creates it and the
 * other reads a complete file. The mode is set at creation; a umask can only narrow it.
 */
export function createFileOnce(file: string, generate: () => string): boolean {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, generate(), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}
