/**
 * Bus ingestion: ResourceChanged messages (from the watcher) go through the same apply path as
 * REST. An invalid message is logged with its field errors and acknowledged — retrying it would
 * fail the same way forever. A transient failure (the log does not answer, writers keep
 * conflicting) throws, so the bus delivers the message again later.
 */
import type { Bus, ResourceChanged, Subscription } from '@meshgate/bus';
import { isSealedSecret, SecretsError, type AppliedSecretPayloads } from '@meshgate/secrets';
import type { Logger } from 'pino';
import type { ApplyService, DocumentError } from './apply-service.js';
import { namespaceFromSegment, resolveKind } from './kinds.js';
import type { ApiMetrics } from './metrics.js';

/** The api's durable consumer: a restart resumes after the last acknowledged change. */
export const INGEST_DURABLE_NAME = 'meshgate-api';

export interface ChangeIngestionOptions {
  bus: Bus;
  applyService: ApplyService;
  logger: Logger;
  metrics: ApiMetrics;
  /** Opens the Secrets the Kubernetes watcher seals (the deployment key); without it they are refused. */
  secretPayloads?: AppliedSecretPayloads;
}

type IngestOutcome = { applied: true; sequence: number; actions: string[]; warnings?: string[] } | { applied: false; errors: Omit<DocumentError, 'document'>[] };

type Opened = { ok: true; object: unknown } | { ok: false; errors: Omit<DocumentError, 'document'>[] };

/**
 * A sealed Secret's values opened (its identity is the associated data); any other object as is.
 * Refused, not retried, when it does not open: another key would fail the same way forever.
 */
function openObject(object: unknown, secretPayloads: AppliedSecretPayloads | undefined): Opened {
  if (!isSealedSecret(object)) return { ok: true, object };
  if (secretPayloads === undefined) {
    return { ok: false, errors: [{ path: 'object.sealed', message: "this api has no encryption key for Secrets (MESHGATE_CA_ENCRYPTION_KEY_FILE or MESHGATE_CA_ENCRYPTION_KEY, the watcher's and the CA's)" }] };
  }
  const metadata = typeof object.metadata === 'object' && object.metadata !== null ? (object.metadata as Record<string, unknown>) : {};
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  try {
    return { ok: true, object: secretPayloads.openSealed(object, namespace, name) };
  } catch (error) {
    if (!(error instanceof SecretsError) && !(error instanceof SyntaxError)) throw error;
    return { ok: false, errors: [{ path: 'object.sealed', message: `does not open with this api's deployment key: ${error.message}` }] };
  }
}

/** Sends one change through the apply path; resolves once it is handled (applied or refused). */
export async function ingestChange(change: ResourceChanged, applyService: ApplyService, secretPayloads?: AppliedSecretPayloads): Promise<IngestOutcome> {
  if (change.op === 'delete') {
    const kind = resolveKind(change.kind);
    if (kind === undefined) return { applied: false, errors: [{ path: 'kind', message: `unknown kind "${change.kind}"` }] };
    if (change.name === '') return { applied: false, errors: [{ path: 'name', message: 'must not be empty' }] };
    const outcome = await applyService.delete({ ref: { kind, namespace: namespaceFromSegment(change.namespace), name: change.name }, source: change.source });
    // Deleting what is already gone is what the sender wanted: nothing to do.
    return { applied: true, sequence: outcome.sequence, actions: [outcome.found ? 'deleted' : 'absent'] };
  }
  if (change.object === undefined) return { applied: false, errors: [{ path: 'object', message: 'an apply change must carry the object' }] };
  const opened = openObject(change.object, secretPayloads);
  if (!opened.ok) return { applied: false, errors: opened.errors };
  const outcome = await applyService.apply({ documents: [opened.object], source: change.source });
  if (!outcome.valid) return { applied: false, errors: outcome.errors.map(({ document: _document, ...error }) => error) };
  return { applied: true, sequence: outcome.sequence, actions: outcome.results.map((result) => result.action), warnings: outcome.warnings };
}

/** Starts consuming; `unsubscribe()` on the result stops it. */
export async function startChangeIngestion(options: ChangeIngestionOptions): Promise<Subscription> {
  const { applyService, logger, metrics, secretPayloads } = options;
  return options.bus.consumeChanges(
    async (change) => {
      const about = { changeId: change.id, source: change.source, op: change.op, kind: change.kind, namespace: change.namespace, name: change.name };
      let outcome: IngestOutcome;
      try {
        outcome = await ingestChange(change, applyService, secretPayloads);
      } catch (error) {
        metrics.changesIngested.inc({ outcome: 'retried' });
        logger.warn({ ...about, err: error }, 'applying a change failed; the bus will deliver it again');
        throw error;
      }
      if (outcome.applied) {
        metrics.changesIngested.inc({ outcome: 'applied' });
        logger.debug({ ...about, sequence: outcome.sequence, actions: outcome.actions }, 'change applied');
        // What `apply` would print as `Warning:` lines: fields accepted but not applied.
        if (outcome.warnings?.length) logger.warn({ ...about, warnings: outcome.warnings }, 'change applied with fields meshgate does not apply');
      } else {
        metrics.changesIngested.inc({ outcome: 'refused' });
        logger.warn({ ...about, errors: outcome.errors }, 'refused an invalid change; acknowledged so that it is not retried');
      }
    },
    { durable: INGEST_DURABLE_NAME },
  );
}
