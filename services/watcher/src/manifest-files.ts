/**
 * Which files under the manifests directory are manifests, found by walking the tree.
 * The walk also reports every directory, so that the source can keep one fs watcher per
 * directory in step with the tree.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

const MANIFEST_EXTENSIONS: ReadonlySet<string> = new Set(['.yaml', '.yml', '.json']);

/**
 * Dot-files and dot-directories are skipped: editors and tools keep their temporary files and
 * state there (`.#file.yaml` locks, `.git/`), and none of it is a manifest the user meant.
 */
function isHidden(name: string): boolean {
  return name.startsWith('.');
}

export function isManifestFileName(name: string): boolean {
  return !isHidden(name) && MANIFEST_EXTENSIONS.has(path.extname(name).toLowerCase());
}

export interface DirectoryListing {
  /** Manifest files, relative to the root with `/` separators, sorted. */
  files: string[];
  /** Absolute paths of the root and every directory below it that was walked. */
  directories: string[];
}

function isMissing(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Walks `root`. A subdirectory that disappears during the walk is skipped (the next scan sees
 * the tree as it settled); a root that is missing or unreadable throws.
 * Symbolic links are not followed, so a link cycle cannot make the walk endless.
 */
export async function listManifestFiles(root: string): Promise<DirectoryListing> {
  const files: string[] = [];
  const directories: string[] = [];
  const walk = async (directory: string, isRoot: boolean): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (!isRoot && isMissing(error)) return;
      throw error;
    }
    directories.push(directory);
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!isHidden(entry.name)) await walk(full, false);
      } else if (entry.isFile() && isManifestFileName(entry.name)) {
        files.push(path.relative(root, full).split(path.sep).join('/'));
      }
    }
  };
  await walk(root, true);
  files.sort();
  directories.sort();
  return { files, directories };
}

/** The file's bytes, or undefined when it was removed between the listing and the read. */
export async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
