/**
 * The manifests-directory source: turns the YAML/JSON files under a directory into
 * ResourceChanged messages.
 *
 * `fs.watch` is lossy (events coalesce, inotify queues overflow, editors save through renames),
 * so an event only says "look again": every event schedules a full rescan, and the rescan is the
 * truth. A rescan compares what the files declare now with what was last published and
 * publishes only the difference, so a rescan that finds nothing new publishes nothing. Files are
 * re-parsed only when their bytes changed.
 *
 * Restarts: the source keeps what it published in memory only. After a restart it publishes
 * every object again as an apply, which is harmless (the api drops changes that change nothing).
 * But a file deleted while the watcher was down is never seen to go, so its objects are not
 * deleted: delete them with `meshgate delete`, or restore the file and remove it while the
 * watcher runs.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { ResourceChanged } from '@meshgate/bus';
import type { Logger } from 'pino';
import {
  changeId,
  desiredObjects,
  digestOfChange,
  planChanges,
  toResourceChanged,
  type PublishedObject,
} from './change-plan.js';
import { listManifestFiles, readIfPresent, type DirectoryListing } from './manifest-files.js';
import { describeProblem, readManifest, type ManifestProblem, type ObservedObject } from './parse-manifest.js';
import type { Source } from './source.js';
import { SyncScheduler } from './sync-scheduler.js';

export const DEFAULT_DEBOUNCE_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 1_000;
export const DEFAULT_RESYNC_INTERVAL_MS = 60_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export interface ManifestsSourceOptions {
  /** Absolute path of the directory to watch. */
  directory: string;
  /** Resolves once the change is durably accepted (Bus.publishChange). */
  publish: (change: ResourceChanged) => Promise<void>;
  logger: Logger;
  /** Quiet time after a file event before rescanning. Default 100 ms. */
  debounceMs?: number;
  /** Longest a rescan waits while events keep coming. Default 1 s. */
  maxDelayMs?: number;
  /**
   * A rescan also runs this often without any event, in case the kernel dropped one.
   * Default 60 s; 0 turns it off.
   */
  resyncIntervalMs?: number;
}

/** The outcome of one rescan. */
export interface SyncReport {
  /** The changes published, in order (empty when nothing changed). */
  published: ResourceChanged[];
  /**
   * Problems found in this rescan. A rejected file keeps its previously published objects; it is
   * reported when its content changes, not again on every rescan.
   */
  problems: ManifestProblem[];
  /** Set when the rescan could not finish (directory unreadable, bus refused a change); it is retried. */
  error?: Error;
}

interface FileState {
  /** SHA-256 of the bytes last read, to skip parsing a file that did not change. */
  contentHash: string;
  /** The objects of the last version of the file that parsed; undefined if none ever did. */
  objects: ObservedObject[] | undefined;
}

type SourceEvents = { synced: [SyncReport] };

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

export class ManifestsSource extends EventEmitter<SourceEvents> implements Source {
  readonly kind = 'manifests';
  private readonly scheduler: SyncScheduler<SyncReport>;
  private readonly files = new Map<string, FileState>();
  private readonly published = new Map<string, PublishedObject>();
  /** The last change id per object, kept after a delete so that a re-create gets a new id. */
  private readonly lastIds = new Map<string, string>();
  /** Duplicate declarations already reported, so that each is logged once. */
  private reportedConflicts = new Set<string>();
  private readonly directoryWatchers = new Map<string, fs.FSWatcher>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_MIN_MS;
  private started = false;
  private stopped = false;

  constructor(private readonly options: ManifestsSourceOptions) {
    super();
    this.scheduler = new SyncScheduler(() => this.sync(), {
      debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    });
  }

  get directory(): string {
    return this.options.directory;
  }

  /**
   * Scans the directory, publishes what it declares and starts watching. Throws when the
   * directory cannot be read: a wrong path should stop the service, not leave it idle.
   */
  async start(): Promise<SyncReport> {
    if (this.started) throw new Error('watcher: already started');
    this.started = true;
    const stat = await fs.promises.stat(this.options.directory).catch((error: unknown) => {
      throw new Error(`watcher: cannot watch ${this.options.directory}: ${asError(error).message}`);
    });
    if (!stat.isDirectory()) throw new Error(`watcher: cannot watch ${this.options.directory}: not a directory`);
    const report = await this.scheduler.runNow();
    this.options.logger.info({ directory: this.options.directory, files: this.files.size, objects: this.published.size }, 'watching manifests');
    return report;
  }

  /** Stops watching; a rescan in progress finishes first. The bus stays open (the caller owns it). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.resyncTimer);
    for (const watcher of this.directoryWatchers.values()) watcher.close();
    this.directoryWatchers.clear();
    await this.scheduler.stop();
  }

  /** Rescans now and resolves with the report of a rescan that started after this call. */
  rescan(): Promise<SyncReport> {
    return this.scheduler.runNow();
  }

  /** Resolves with the report of the next rescan to finish, whatever caused it. */
  synced(): Promise<SyncReport> {
    return new Promise((resolve) => this.once('synced', resolve));
  }

  private async sync(): Promise<SyncReport> {
    const report = await this.scanAndPublish().catch(
      (error: unknown): SyncReport => ({ published: [], problems: [], error: asError(error) }),
    );
    if (report.error) {
      this.scheduleRetry(report.error);
    } else {
      this.retryDelayMs = RETRY_MIN_MS;
      this.scheduleResync();
    }
    this.emit('synced', report);
    return report;
  }

  private async scanAndPublish(): Promise<SyncReport> {
    const problems: ManifestProblem[] = [];
    let listing: DirectoryListing;
    try {
      listing = await listManifestFiles(this.options.directory);
    } catch (error) {
      // The whole directory gone is more likely a checkout or a remount in progress than a wish
      // to delete everything: keep what was published and look again later.
      return { published: [], problems, error: new Error(`cannot read ${this.options.directory}: ${asError(error).message}`) };
    }
    this.watchDirectories(listing.directories);
    await this.readFiles(listing.files, problems);
    return this.publishDifference(problems);
  }

  /** Brings `this.files` in line with the directory; a file that fails to parse keeps its last good objects. */
  private async readFiles(relativePaths: string[], problems: ManifestProblem[]): Promise<void> {
    const present = new Set<string>();
    for (const file of relativePaths) {
      let bytes: Buffer | undefined;
      try {
        bytes = await readIfPresent(path.join(this.options.directory, file));
      } catch (error) {
        // Unreadable (permissions, I/O): like a syntax error, keep what it declared before.
        present.add(file);
        this.reject(file, [{ file, message: `cannot read: ${asError(error).message}` }], problems);
        continue;
      }
      if (bytes === undefined) continue;
      present.add(file);
      const contentHash = createHash('sha256').update(bytes).digest('hex');
      const previous = this.files.get(file);
      if (previous?.contentHash === contentHash) continue;
      const result = readManifest(file, bytes.toString('utf8'));
      if (result.ok) {
        this.files.set(file, { contentHash, objects: result.objects });
      } else {
        this.files.set(file, { contentHash, objects: previous?.objects });
        this.reject(file, result.problems, problems);
      }
    }
    for (const file of [...this.files.keys()]) {
      if (!present.has(file)) this.files.delete(file);
    }
  }

  private reject(file: string, fileProblems: ManifestProblem[], problems: ManifestProblem[]): void {
    problems.push(...fileProblems);
    for (const problem of fileProblems) {
      this.options.logger.warn(
        { file, line: problem.line, document: problem.document },
        `${describeProblem(problem)}; nothing published for ${file} until it is fixed`,
      );
    }
  }

  private async publishDifference(problems: ManifestProblem[]): Promise<SyncReport> {
    const declared = new Map<string, ObservedObject[]>();
    for (const [file, state] of this.files) if (state.objects) declared.set(file, state.objects);
    const { desired, conflicts } = desiredObjects(declared);
    this.reportConflicts(conflicts);
    const published: ResourceChanged[] = [];
    for (const planned of planChanges(this.published, desired)) {
      const id = changeId(this.lastIds.get(planned.key) ?? '', planned.op, planned.key, digestOfChange(planned));
      const change = toResourceChanged(planned, id);
      try {
        await this.options.publish(change);
      } catch (error) {
        // Stop here, in order: the next rescan plans the rest again, with the same ids.
        return { published, problems, error: new Error(`publishing ${planned.op} ${planned.key}: ${asError(error).message}`) };
      }
      this.lastIds.set(planned.key, id);
      if (planned.op === 'apply') {
        const { kind, namespace, name, digest, file } = planned.object;
        this.published.set(planned.key, { kind, namespace, name, digest, file });
      } else {
        this.published.delete(planned.key);
      }
      published.push(change);
      this.options.logger.info({ op: change.op, object: planned.key, source: change.source }, 'published change');
    }
    return { published, problems };
  }

  private reportConflicts(conflicts: { key: string; kept: string; ignored: string }[]): void {
    const current = new Set<string>();
    for (const conflict of conflicts) {
      const id = `${conflict.key}\n${conflict.kept}\n${conflict.ignored}`;
      current.add(id);
      if (!this.reportedConflicts.has(id)) {
        this.options.logger.warn(conflict, `${conflict.key} is declared in both ${conflict.kept} and ${conflict.ignored}; using ${conflict.kept}`);
      }
    }
    this.reportedConflicts = current;
  }

  /**
   * One non-recursive watcher per directory, kept in step with the tree by every rescan. This
   * works the same on every platform and picks up new subdirectories, where Node 20's recursive
   * mode on Linux has missed them.
   */
  private watchDirectories(directories: string[]): void {
    if (this.stopped) return;
    const wanted = new Set(directories);
    for (const [directory, watcher] of this.directoryWatchers) {
      if (!wanted.has(directory)) {
        watcher.close();
        this.directoryWatchers.delete(directory);
      }
    }
    for (const directory of directories) {
      if (this.directoryWatchers.has(directory)) continue;
      try {
        const watcher = fs.watch(directory, () => this.scheduler.schedule());
        watcher.on('error', (error) => {
          // Typically the directory was removed; the rescan drops it or watches it anew.
          this.options.logger.debug({ directory, err: error }, 'directory watch ended');
          watcher.close();
          if (this.directoryWatchers.get(directory) === watcher) this.directoryWatchers.delete(directory);
          this.scheduler.schedule();
        });
        this.directoryWatchers.set(directory, watcher);
      } catch (error) {
        // Removed between the listing and now: the event that removed it schedules a rescan.
        this.options.logger.debug({ directory, err: error }, 'cannot watch directory');
      }
    }
  }

  private scheduleResync(): void {
    const interval = this.options.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
    if (this.stopped || interval <= 0) return;
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => this.scheduler.schedule(), interval);
  }

  private scheduleRetry(error: Error): void {
    if (this.stopped) return;
    this.options.logger.error({ err: error, retryInMs: this.retryDelayMs }, 'manifests rescan failed; retrying');
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, RETRY_MAX_MS);
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => this.scheduler.schedule(), delay);
  }
}
