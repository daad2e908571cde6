/**
 * What `-f` names, read as the watcher reads a manifests directory: stdin (`-`), a file, or a
 * directory (its .yaml/.yml/.json files, recursively, skipping dot-files).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDocuments } from '@meshgate/model';
import { listManifestFiles } from '@meshgate/watcher';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';

const STDIN = '-';

export interface Source {
  /** How messages name it: the path as the user gave it, or `<stdin>`. */
  label: string;
  text: string;
}

/** Where a document of a combined request came from. */
export interface Origin {
  label: string;
  /** 0-based within its file. */
  index: number;
}


async function readFile(file: string, label: string): Promise<Source> {
  try {
    return { label, text: await fs.readFile(file, 'utf8') };
  } catch (error) {
    throw new CliError(`error: cannot read ${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Each `-f`: stdin, a file, or a directory (its .yaml/.yml/.json files, recursively, as the watcher reads it). */
export async function readSources(paths: readonly string[], context: CliContext, onFile?: (read: number, total: number) => void): Promise<Source[]> {
  const sources: Source[] = [];
  for (const given of paths) {
    if (given === STDIN) {
      sources.push({ label: '<stdin>', text: await context.readStdin() });
      continue;
    }
    const full = path.resolve(context.cwd, given);
    const stat = await fs.stat(full).catch(() => undefined);
    if (stat?.isDirectory()) {
      const { files } = await listManifestFiles(full);
      if (files.length === 0) throw new CliError(`error: ${given} holds no .yaml, .yml or .json files`);
      for (const [index, file] of files.entries()) {
        sources.push(await readFile(path.join(full, file), path.join(given, file)));
        onFile?.(index + 1, files.length);
      }
    } else {
      sources.push(await readFile(full, given));
    }
  }
  return sources;
}

/** Every document of every source, parsed here (a syntax error names its file and line; nothing is sent). */
export function parseSources(sources: readonly Source[]): { document: unknown; origin: Origin }[] {
  return sources.flatMap((source) => {
    const parsed = parseDocuments(source.text);
    if (!parsed.ok) {
      const { line, column, message } = parsed.error;
      throw new CliError(`error: ${source.label}:${line}:${column}: ${message}; nothing was sent`);
    }
    return parsed.documents.map((document, index) => ({ document, origin: { label: source.label, index } }));
  });
}
