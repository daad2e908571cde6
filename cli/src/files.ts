/** Writing certificate material: whole files, replaced atomically, keys readable by the owner only. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';

/** Creates `directory` (0700 when it is new) and its parents. */
export async function ensureDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
}

/**
 * Writes `content` beside `file`, then renames it into place, so a reader (an ingress controller
 * watching the file) never sees half of it; `mode` is set explicitly, since the umask may narrow it.
 */
export async function replaceFile(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { mode, flag: 'wx' });
    await chmod(temporary, mode);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
