/**
 * The bus over NATS: changes on a JetStream stream (deduplicated by `Nats-Msg-Id`, consumed
 * through durable pull consumers), the doorbell on core NATS.
 */
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import {
  assertDurableName,
  assertValid,
  changeSubject,
  decodeDoorbell,
  encodeJson,
  payloadPreview,
  validateDoorbell,
  validateResourceChanged,
} from './codec.js';
import { ringHandler } from './handlers.js';
import { NatsChangeSubscription, type ChangeHandler } from './nats-consumer.js';
import { ensureChangesStream, ensureDurableConsumer } from './nats-setup.js';
import { asError, resolveBusOptions, type BusOptions, type ResolvedBusOptions } from './options.js';
import { NatsLink } from './nats-link.js';
import type { Bus, BusStatus, ConsumeOptions, Doorbell, ResourceChanged, Subscription } from './types.js';

export interface NatsBusOptions extends BusOptions {
  /** `nats://host:port`, or several separated by commas. */
  natsUrl: string;
  /** Connection name shown by the server's monitoring. Default `meshgate`. */
  name?: string;
  /**
   * A delivered change not acknowledged within this time goes to another subscriber (the first
   * one is presumed dead; a slow handler keeps its claim alive). Default 30 s.
   */
  ackWaitMs?: number;
}

export const DEFAULT_ACK_WAIT_MS = 30_000;
/** How long `close()` lets a drain run before it closes the connection outright. */
const DRAIN_TIMEOUT_MS = 5_000;

export class NatsBus implements Bus {
  private readonly changeSubscriptions = new Set<NatsChangeSubscription>();
  private closed = false;

  /** Connects (reconnecting forever afterwards) and creates or updates the changes stream. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const settings = resolveBusOptions(options);
    const nc = await connect({
      servers: options.natsUrl.split(',').map((server) => server.trim()),
      name: options.name ?? 'meshgate',
      maxReconnectAttempts: -1,
    });
    // Watched from the first moment, so that no status event is missed.
    const link = new NatsLink(nc);
    try {
      const jsm = await nc.jetstreamManager();
      await ensureChangesStream(jsm, settings);
      return new NatsBus(nc, nc.jetstream(), jsm, settings, options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS, link);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly settings: ResolvedBusOptions,
    private readonly ackWaitMs: number,
    private readonly link: NatsLink,
  ) {}

  status(): BusStatus {
    return this.link.status();
  }

  async publishChange(change: ResourceChanged): Promise<void> {
    this.assertOpen();
    const valid = assertValid('change', validateResourceChanged(change));
    await this.js.publish(changeSubject(this.settings.subjectPrefix, valid), encodeJson(valid), {
      msgID: valid.id,
      expect: { streamName: this.settings.stream },
    });
  }

  async consumeChanges(handler: ChangeHandler, options: ConsumeOptions): Promise<Subscription> {
    this.assertOpen();
    assertDurableName(options.durable);
    await ensureDurableConsumer(this.jsm, { stream: this.settings.stream, durable: options.durable, ackWaitMs: this.ackWaitMs });
    const consumer = await this.js.consumers.get(this.settings.stream, options.durable);
    // One message per pull: the consumer allows a single unacknowledged message anyway.
    const messages = await consumer.consume({ max_messages: 1 });
    const subscription = new NatsChangeSubscription(
      messages,
      handler,
      {
        durable: options.durable,
        ackWaitMs: this.ackWaitMs,
        redeliveryDelayMs: this.settings.redeliveryDelayMs,
        onInvalid: this.settings.onInvalid,
        onError: this.settings.onError,
      },
      (finished) => this.changeSubscriptions.delete(finished),
    );
    this.changeSubscriptions.add(subscription);
    return subscription;
  }

  async ringDoorbell(doorbell: Doorbell): Promise<void> {
    this.assertOpen();
    const valid = assertValid('doorbell', validateDoorbell(doorbell));
    this.nc.publish(this.settings.doorbellSubject, encodeJson(valid));
    await this.nc.flush();
  }

  async onDoorbell(handler: (doorbell: Doorbell) => void): Promise<Subscription> {
    this.assertOpen();
    const { onError, onInvalid } = this.settings;
    const subscription = this.nc.subscribe(this.settings.doorbellSubject, {
      callback: (error, msg) => {
        if (error) {
          onError(asError(error));
          return;
        }
        const decoded = decodeDoorbell(msg.data);
        if (!decoded.valid) {
          onInvalid({ subject: msg.subject, errors: decoded.errors, preview: payloadPreview(msg.data) });
          return;
        }
        ringHandler(handler, decoded.value, onError);
      },
    });
    // Once the server has seen the subscription, a ring that follows our return reaches it.
    await this.nc.flush();
    return {
      unsubscribe: async () => {
        if (!subscription.isClosed()) subscription.unsubscribe();
      },
    };
  }

  /** Stops every change subscription (in-flight handlers finish and ack), then drains. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.changeSubscriptions].map((subscription) => subscription.unsubscribe()));
    if (this.nc.isClosed()) return;
    // Draining needs the server: with the link down it would wait for a reconnection that may
    // never come, and a SIGTERM while NATS is away would never finish. Close instead, and bound
    // a drain that starts while connected.
    if (!this.link.status().connected) {
      await this.nc.close();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.nc.drain().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    if (!drained && !this.nc.isClosed()) await this.nc.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus: closed');
  }
}
