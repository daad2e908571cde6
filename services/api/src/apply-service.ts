/**
 * The one way into the event log. REST (`POST /v1/apply`, `DELETE /v1/resources/...`) and the bus
 * ingestion both come here: validate every document → drop no-op changes (same normalised
 * content) → append in one transaction with optimistic concurrency → ring the doorbell → wait
 * until the follower has folded the new events in, so that a read right after sees them.
 */
import type { Bus } from '@meshgate/bus';
import { ConcurrencyError, type EventStore, type NewEvent, type StoredEvent } from '@meshgate/eventlog';
import type { StateFollower } from '@meshgate/follower';
import { cloneState, describeCollision, digestOf, evolve, objectKey, refOf, secretPayloadOf, serviceEntryPortCollisions, validateDocument, type Kind, type MeshEvent, type MeshObject, type MeshState, type ObjectRef } from '@meshgate/model';
import { tlsProblems, type AppliedSecretPayloads } from '@meshgate/secrets';
import type { Logger } from 'pino';
import { apiError } from './errors.js';
import { isPlainRecord } from './records.js';
import type { ApiMetrics } from './metrics.js';
import { SecretPayloadWrites } from './secret-payload-writes.js';
import { findObject } from './state-view.js';

/** First try plus three retries after a concurrent writer got in between. */
const MAX_ATTEMPTS = 4;
const DEFAULT_FOLD_TIMEOUT_MS = 10_000;

export interface DocumentError {
  /** 0-based position of the document in the request. */
  document: number;
  kind?: string;
  name?: string;
  path: string;
  message: string;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ObjectResult<A extends string> {
  kind: Kind;
  namespace: string;
  name: string;
  action: A;
}

export interface ApplyInput {
  /** Plain documents, as parsed; each is validated here. */
  documents: unknown[];
  /** Who asked, recorded in the event: `api`, or the watcher's `manifests:/path/file.yaml`. */
  source: string;
  /** Makes a retried request harmless: each object's event gets dedupKey `<key>/<objectKey>`. */
  idempotencyKey?: string;
  /** Validate and report what would happen, without writing. */
  dryRun?: boolean;
}

/** A dry run's states: the current one, and a copy with the request's changes evolved in (nothing appended). */
export interface ApplyPreview {
  before: MeshState;
  after: MeshState;
}

export type ApplyOutcome =
  | { valid: false; errors: DocumentError[] }
  | { valid: true; sequence: number; results: ObjectResult<ApplyAction>[]; preview?: ApplyPreview; warnings: string[] };

export interface DeleteInput {
  ref: ObjectRef;
  source: string;
  idempotencyKey?: string;
}

export type DeleteOutcome = { found: false; sequence: number } | { found: true; sequence: number; result: ObjectResult<'deleted'> };

export interface ApplyServiceOptions {
  store: EventStore;
  bus: Bus;
  follower: StateFollower;
  logger: Logger;
  metrics: ApiMetrics;
  clusterDomain?: string;
  /** How long to wait for the follower to fold in a sequence before giving up on it. */
  foldTimeoutMs?: number;
  /**
   * Where applied Secrets' payloads go (encrypted under the deployment key). Without it, a
   * Secret is refused: its bytes must not reach the log and would have nowhere else to go.
   */
  secretPayloads?: AppliedSecretPayloads;
  /** The clock TLS problems (expiry) are judged by; default now. */
  now?: () => Date;
}

interface PlannedWrite {
  streamId: string;
  event: MeshEvent;
  dedupKey?: string;
}

/** What an apply decides: each object's action, or the documents refused by a rule across objects (nothing is written then). */
interface Decision {
  results: ObjectResult<ApplyAction>[];
  refused: DocumentError[];
}

/** Errors of rules that span objects: today, ServiceEntries colliding on a TCP port (istio#6695). */
function crossObjectErrors(state: MeshState, objects: readonly MeshObject[], positions: ReadonlyMap<string, number>): DocumentError[] {
  return serviceEntryPortCollisions(state.byKind.ServiceEntry.values(), objects).map((collision) => ({
    document: positions.get(objectKey(collision.entry)) ?? 0,
    kind: 'ServiceEntry',
    name: collision.entry.metadata.name,
    path: 'spec.ports',
    message: describeCollision(collision),
  }));
}

interface Plan<R> {
  writes: PlannedWrite[];
  report: R;
  /** Stores what the events will reference (a Secret's payload) before they are appended. */
  beforeAppend?: () => Promise<void>;
  /** Runs once the events are committed (removing payloads no event references any more). */
  afterAppend?: () => Promise<void>;
}

interface Committed<R> {
  /** The last sequence written, or the state's sequence when nothing was. */
  sequence: number;
  report: R;
  written: StoredEvent[];
  deduplicated: ReadonlySet<string>;
}

function describeDocument(document: unknown): { kind?: string; name?: string } {
  if (!isPlainRecord(document)) return {};
  const kind = typeof document.kind === 'string' ? document.kind : undefined;
  const metadata = document.metadata;
  const name = isPlainRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : undefined;
  return { ...(kind === undefined ? {} : { kind }), ...(name === undefined ? {} : { name }) };
}

function sameStreams(a: Plan<unknown>, b: Plan<unknown>): boolean {
  const streams = (plan: Plan<unknown>) => plan.writes.map((write) => write.streamId).sort().join('\n');
  return streams(a) === streams(b);
}

/** Resolves true once `promise` settles, false when `ms` pass first. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Copies of `state` without and with `writes`, each folded at the sequence it would get if
 * appended now (so that creation order, which IngressBackend status reads, comes out as it will).
 */
function previewOf(state: MeshState, writes: readonly PlannedWrite[]): ApplyPreview {
  const before = cloneState(state);
  const after = cloneState(state);
  writes.forEach((write, index) => evolve(after, state.sequence + index + 1, write.event));
  return { before, after };
}

export class ApplyService {
  private readonly foldTimeoutMs: number;

  constructor(private readonly options: ApplyServiceOptions) {
    this.foldTimeoutMs = options.foldTimeoutMs ?? DEFAULT_FOLD_TIMEOUT_MS;
  }

  /** Validates every document; writes nothing unless all are valid. */
  async apply(input: ApplyInput): Promise<ApplyOutcome> {
    const validated = this.validateAll(input.documents);
    if (!validated.valid) return validated;

    const candidates = validated.objects.map((object) => ({ object, ref: refOf(object), streamId: objectKey(object), digest: digestOf(object) }));
    const payloads = this.options.secretPayloads;
    const decide = (state: MeshState): Plan<Decision> => {
      // Rules across objects (istio#6695) are checked against the state the writes would land in.
      const refused = crossObjectErrors(state, validated.objects, validated.positions);
      if (refused.length > 0) return { writes: [], report: { results: [], refused } };
      const writes: PlannedWrite[] = [];
      const secretWrites = payloads === undefined ? undefined : new SecretPayloadWrites(payloads);
      const results = candidates.map(({ object, ref, streamId, digest }) => {
        const current = findObject(state, ref);
        const action: ApplyAction = current === undefined ? 'created' : digestOf(current) === digest ? 'unchanged' : 'configured';
        if (action !== 'unchanged' && object.kind === 'Secret') {
          const payload = validated.payloads.get(streamId);
          if (payload !== undefined) secretWrites?.applying(object, current?.kind === 'Secret' ? current : undefined, payload);
        }
        if (action !== 'unchanged') {
          writes.push({
            streamId,
            event: { type: 'ResourceApplied', data: { object, digest, source: input.source } },
            dedupKey: input.idempotencyKey === undefined ? undefined : `${input.idempotencyKey}/${streamId}`,
          });
        }
        return { ...ref, action };
      });
      return { writes, report: { results, refused: [] }, beforeAppend: () => secretWrites?.beforeAppend() ?? Promise.resolve(), afterAppend: () => secretWrites?.afterAppend() ?? Promise.resolve() };
    };

    if (input.dryRun === true) {
      const state = await this.freshState();
      // Synchronously, before the follower folds in anything else: it mutates its state in place.
      const plan = decide(state);
      if (plan.report.refused.length > 0) return { valid: false, errors: plan.report.refused };
      return { valid: true, sequence: state.sequence, results: plan.report.results, preview: previewOf(state, plan.writes), warnings: validated.warnings };
    }

    const committed = await this.commit(decide);
    if (committed.report.refused.length > 0) return { valid: false, errors: committed.report.refused };
    // An event skipped as a duplicate was written by an earlier try of this request, not by this one.
    const results = committed.report.results.map((result) => {
      const dedupKey = input.idempotencyKey === undefined ? undefined : `${input.idempotencyKey}/${objectKey(result)}`;
      return dedupKey !== undefined && committed.deduplicated.has(dedupKey) ? { ...result, action: 'unchanged' as const } : result;
    });
    for (const result of results) this.options.metrics.applyObjects.inc({ action: result.action });
    return { valid: true, sequence: committed.sequence, results, warnings: validated.warnings };
  }

  /** Deletes one object; `found: false` when it is not in the log's current state. */
  async delete(input: DeleteInput): Promise<DeleteOutcome> {
    const streamId = objectKey(input.ref);
    const decide = (state: MeshState): Plan<ObjectRef | undefined> => {
      const current = findObject(state, input.ref);
      if (current === undefined) return { writes: [], report: undefined };
      const ref = refOf(current);
      const payloads = this.options.secretPayloads;
      return {
        // A deleted Secret's payload goes once the deletion is committed (see SecretPayloadWrites).
        afterAppend: current.kind === 'Secret' && payloads !== undefined ? () => new SecretPayloadWrites(payloads).deleted(current) : undefined,
        writes: [
          {
            streamId,
            event: { type: 'ResourceDeleted', data: { ref, source: input.source } },
            dedupKey: input.idempotencyKey === undefined ? undefined : `${input.idempotencyKey}/delete/${streamId}`,
          },
        ],
        report: ref,
      };
    };
    const committed = await this.commit(decide);
    if (committed.report === undefined) return { found: false, sequence: committed.sequence };
    this.options.metrics.applyObjects.inc({ action: 'deleted' });
    return { found: true, sequence: committed.sequence, result: { ...committed.report, action: 'deleted' } };
  }

  private validateAll(
    documents: unknown[],
  ): { valid: false; errors: DocumentError[] } | { valid: true; objects: MeshObject[]; positions: Map<string, number>; payloads: Map<string, Map<string, Buffer>>; warnings: string[] } {
    const errors: DocumentError[] = [];
    // Same object twice in one request: the last one wins, in the position where it last appeared.
    const objects = new Map<string, MeshObject>();
    const positions = new Map<string, number>();
    const payloads = new Map<string, Map<string, Buffer>>();
    const warnings = new Map<string, string[]>();
    documents.forEach((document, index) => {
      const result = validateDocument(document, { clusterDomain: this.options.clusterDomain });
      if (result.valid && result.value.kind === 'Secret' && this.options.secretPayloads === undefined) {
        errors.push({
          document: index,
          ...describeDocument(document),
          path: 'kind',
          message: 'this api has no encryption key for Secrets (MESHGATE_CA_ENCRYPTION_KEY_FILE or MESHGATE_CA_ENCRYPTION_KEY, the CA\'s): a Secret\'s payload is stored only encrypted',
        });
        return;
      }
      if (result.valid) {
        let object = result.value;
        const key = objectKey(object);
        if (object.kind === 'Secret') {
          // The payload goes to the secret store; the object keeps digests and what is wrong with it
          // as a TLS credential (accepted anyway, as Kubernetes accepts it).
          const payload = secretPayloadOf(document);
          payloads.set(key, payload);
          object = { ...object, problems: tlsProblems(payload, this.options.now?.() ?? new Date()) };
        }
        objects.delete(key);
        objects.set(key, object);
        positions.set(key, index);
        const { kind, metadata } = object;
        const where = `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
        warnings.set(key, (result.warnings ?? []).map((warning) => `${where}: ${warning.path}: ${warning.message}`));
        return;
      }
      const identity = describeDocument(document);
      for (const error of result.errors) errors.push({ document: index, ...identity, path: error.path, message: error.message });
    });
    return errors.length > 0
      ? { valid: false, errors }
      : { valid: true, objects: [...objects.values()], positions, payloads, warnings: [...objects.keys()].flatMap((key) => warnings.get(key) ?? []) };
  }

  /**
   * Appends what `decide` plans against the current state, with each stream's version as the
   * expected version. The versions are read *before* the state is refreshed, so any event the
   * decision did not see makes the append fail with a ConcurrencyError; then it decides again.
   */
  private async commit<R>(decide: (state: MeshState) => Plan<R>): Promise<Committed<R>> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const first = decide(await this.freshState());
      if (first.writes.length === 0) {
        return { sequence: this.options.follower.current.sequence, report: first.report, written: [], deduplicated: new Set() };
      }
      const versions = await this.streamVersions(first.writes);
      const state = await this.freshState();
      const plan = decide(state);
      if (!sameStreams(first, plan)) {
        this.options.logger.debug({ attempt }, 'objects changed while planning an apply; planning again');
        continue;
      }
      const events: NewEvent[] = plan.writes.map((write) => ({
        streamId: write.streamId,
        type: write.event.type,
        data: write.event.data,
        dedupKey: write.dedupKey,
        expectedVersion: versions.get(write.streamId) ?? 0,
      }));
      let written: StoredEvent[];
      let deduplicated: string[];
      try {
        await plan.beforeAppend?.();
      } catch (error) {
        throw apiError('MG_ERR_STORE_UNAVAILABLE', 'storing a Secret\'s payload in the secret store failed; nothing was written', undefined, error);
      }
      try {
        ({ written, deduplicated } = await this.options.store.append(events));
      } catch (error) {
        if (error instanceof ConcurrencyError) {
          this.options.logger.debug({ attempt, streamId: error.streamId }, 'a concurrent writer appended first; planning again');
          continue;
        }
        throw apiError('MG_ERR_STORE_UNAVAILABLE', 'appending to the event log failed', undefined, error);
      }
      const sequence = written.reduce((max, event) => Math.max(max, event.sequence), state.sequence);
      try {
        await plan.afterAppend?.();
      } catch (error) {
        // Committed already: an old payload left behind is removed with the Secret's next change.
        this.options.logger.warn({ err: error }, 'removing a replaced Secret payload failed; it is removed with the next change');
      }
      await this.announce(written, sequence);
      return { sequence, report: plan.report, written, deduplicated: new Set(deduplicated) };
    }
    throw apiError('MG_ERR_CONFLICT', `the objects kept changing under concurrent writers (${MAX_ATTEMPTS} attempts); retry the request`);
  }

  private async streamVersions(writes: PlannedWrite[]): Promise<Map<string, number>> {
    try {
      const entries = await Promise.all(writes.map(async (write) => [write.streamId, await this.options.store.streamVersion(write.streamId)] as const));
      return new Map(entries);
    } catch (error) {
      throw apiError('MG_ERR_STORE_UNAVAILABLE', 'reading stream versions from the event log failed', undefined, error);
    }
  }

  /** The follower's state once it has folded in everything committed so far. */
  private async freshState(): Promise<MeshState> {
    let head: number;
    try {
      head = await this.options.store.headSequence();
    } catch (error) {
      throw apiError('MG_ERR_STORE_UNAVAILABLE', 'reading the head of the event log failed', undefined, error);
    }
    if (!(await settlesWithin(this.options.follower.waitFor(head), this.foldTimeoutMs))) {
      throw apiError('MG_ERR_STORE_UNAVAILABLE', `the event log could not be read up to sequence ${head} within ${this.foldTimeoutMs} ms`);
    }
    return this.options.follower.current;
  }

  /** Counts, rings the doorbell and waits for the follower; the write is already durable, so failures here only cost latency. */
  private async announce(written: StoredEvent[], sequence: number): Promise<void> {
    for (const event of written) this.options.metrics.eventsAppended.inc({ type: event.type });
    if (written.length === 0) return;
    try {
      await this.options.bus.ringDoorbell({ head: sequence });
    } catch (error) {
      this.options.logger.warn({ err: error, head: sequence }, 'ringing the doorbell failed; readers will find the events on their next poll');
    }
    if (!(await settlesWithin(this.options.follower.waitFor(sequence), this.foldTimeoutMs))) {
      this.options.logger.warn({ sequence }, 'the follower has not folded in the new events yet; answering anyway');
    }
  }
}
