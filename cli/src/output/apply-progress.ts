/**
 * Progress of a large apply, on stderr: the files read, then what is sent and what the server
 * answered. It is shown when stderr is a terminal (one line rewritten in place while reading) or
 * with `--progress` (plain lines), and only for many documents: a small apply prints as before.
 */
import type { CliContext } from '../context.js';

/** Below this many documents an apply shows no progress. */
export const PROGRESS_MIN_DOCUMENTS = 100;
/** Below this many files, reading them shows no counter. */
const PROGRESS_MIN_FILES = 20;

export class ApplyProgress {
  private active = false;
  private started = 0;

  constructor(
    private readonly context: CliContext,
    private readonly server: string,
  ) {}

  private get tty(): boolean {
    return this.context.stderrIsTTY === true;
  }

  /** After each file of a directory; on a terminal the counter is rewritten in place. */
  reading(read: number, total: number): void {
    if (total < PROGRESS_MIN_FILES) return;
    if (this.tty) {
      this.context.stderr(`\rreading manifests: ${read}/${total} files`);
      if (read === total) this.context.stderr('\n');
    } else if (read === total) {
      this.context.stderr(`read ${total} files\n`);
    }
  }

  /** Once the request is built: from here on, progress shows only for many documents. */
  sending(documents: number | undefined, bytes: number): void {
    this.active = documents !== undefined && documents >= PROGRESS_MIN_DOCUMENTS;
    if (!this.active) return;
    this.started = performance.now();
    this.context.stderr(`sending ${documents} documents (${(bytes / 1024).toFixed(1)} KiB) to ${this.server}; the server validates all, then writes all or nothing…\n`);
  }

  done(results: readonly { action: string }[]): void {
    if (!this.active) return;
    const counts = new Map<string, number>();
    for (const { action } of results) counts.set(action, (counts.get(action) ?? 0) + 1);
    const summary = [...counts].map(([action, count]) => `${count} ${action}`).join(', ');
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    this.context.stderr(`answered in ${seconds} s: ${results.length} objects (${summary})\n`);
  }

  failed(): void {
    if (this.active) this.context.stderr('the server refused the apply; nothing was written\n');
  }
}
