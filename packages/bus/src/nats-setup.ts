/**
 * Idempotent JetStream setup: the changes stream and the durable consumers on it. Every process
 * runs these on start, so both must converge on the same configuration whoever comes first.
 */
import { AckPolicy, DeliverPolicy, NatsError, RetentionPolicy, StorageType, nanos, type JetStreamManager } from 'nats';

// JetStream API error codes (nats-server `server/errors.json`).
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

function hasApiErrorCode(error: unknown, code: number): boolean {
  return error instanceof NatsError && error.api_error?.err_code === code;
}

export interface StreamSettings {
  stream: string;
  subjectPrefix: string;
  duplicateWindowMs: number;
}

/** Creates the changes stream, or brings an existing one to our subjects and duplicate window. */
export async function ensureChangesStream(jsm: JetStreamManager, settings: StreamSettings): Promise<void> {
  const subjects = [`${settings.subjectPrefix}.>`];
  const duplicateWindow = nanos(settings.duplicateWindowMs);
  try {
    const info = await jsm.streams.info(settings.stream);
    const current = info.config;
    if (current.duplicate_window !== duplicateWindow || current.subjects.join() !== subjects.join()) {
      await jsm.streams.update(settings.stream, { subjects, duplicate_window: duplicateWindow });
    }
  } catch (error) {
    if (!hasApiErrorCode(error, STREAM_NOT_FOUND)) throw error;
    await jsm.streams.add({
      name: settings.stream,
      subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: duplicateWindow,
    });
  }
}

export interface ConsumerSettings {
  stream: string;
  durable: string;
  ackWaitMs: number;
}

/**
 * Creates the durable pull consumer, or updates the fields we own on an existing one.
 * `max_ack_pending: 1` is what makes delivery ordered: the server hands out the next message
 * only after the previous one is acknowledged, and a nak'd message is redelivered before it.
 */
export async function ensureDurableConsumer(jsm: JetStreamManager, settings: ConsumerSettings): Promise<void> {
  const owned = { ack_wait: nanos(settings.ackWaitMs), max_ack_pending: 1 };
  try {
    const info = await jsm.consumers.info(settings.stream, settings.durable);
    if (info.config.ack_wait !== owned.ack_wait || info.config.max_ack_pending !== owned.max_ack_pending) {
      await jsm.consumers.update(settings.stream, settings.durable, owned);
    }
  } catch (error) {
    if (!hasApiErrorCode(error, CONSUMER_NOT_FOUND)) throw error;
    await jsm.consumers.add(settings.stream, {
      durable_name: settings.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...owned,
    });
  }
}
