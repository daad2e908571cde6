/**
 * One subscription to a durable JetStream pull consumer: runs the handler for one message at a
 * time, acknowledges when it resolves, naks with a delay when it throws, terminates what does
 * not decode.
 */
import { ConsumerEvents, type ConsumerMessages, type JsMsg } from 'nats';
import { decodeResourceChanged, payloadPreview } from './codec.js';
import { asError, type ResolvedBusOptions } from './options.js';
import type { ResourceChanged, Subscription } from './types.js';

export type ChangeHandler = (change: ResourceChanged) => Promise<void>;

export interface ConsumerLoopSettings
  extends Pick<ResolvedBusOptions, 'redeliveryDelayMs' | 'onInvalid' | 'onError'> {
  durable: string;
  /** The consumer's ack wait: a running handler tells the server "still working" well within it. */
  ackWaitMs: number;
}

// Status notices after which no message will arrive until someone recreates the resources.
const LOSS_EVENTS: ReadonlySet<string> = new Set([
  ConsumerEvents.ConsumerDeleted,
  ConsumerEvents.ConsumerNotFound,
  ConsumerEvents.StreamNotFound,
  ConsumerEvents.NoResponders,
]);

export class NatsChangeSubscription implements Subscription {
  private stopping = false;
  private readonly finished: Promise<void>;

  constructor(
    private readonly messages: ConsumerMessages,
    private readonly handler: ChangeHandler,
    private readonly settings: ConsumerLoopSettings,
    private readonly onFinished: (subscription: NatsChangeSubscription) => void,
  ) {
    this.finished = this.run();
    this.watchStatus().catch((error: unknown) => this.settings.onError(asError(error)));
  }

  /** Resolves once the handler in flight (if any) has settled and its message is acked or nak'd. */
  async unsubscribe(): Promise<void> {
    this.stopping = true;
    await this.messages.close();
    await this.finished;
  }

  private async run(): Promise<void> {
    try {
      for await (const msg of this.messages) {
        if (this.stopping) {
          // Already delivered to us but not handled: give it back now rather than after ack_wait.
          msg.nak();
          continue;
        }
        await this.process(msg);
      }
      if (!this.stopping) {
        this.settings.onError(new Error(`bus: consumer ${this.settings.durable} stopped receiving changes`));
      }
    } catch (error) {
      this.settings.onError(new Error(`bus: consumer ${this.settings.durable} failed: ${asError(error).message}`));
    } finally {
      this.onFinished(this);
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const decoded = decodeResourceChanged(msg.data);
    if (!decoded.valid) {
      msg.term();
      this.settings.onInvalid({ subject: msg.subject, errors: decoded.errors, preview: payloadPreview(msg.data) });
      return;
    }
    const progress = setInterval(() => this.extendClaim(msg), Math.max(1, Math.floor(this.settings.ackWaitMs / 3)));
    try {
      await this.handler(decoded.value);
    } catch (error) {
      msg.nak(this.settings.redeliveryDelayMs);
      this.settings.onError(
        new Error(`bus: handler failed for change ${decoded.value.id}, redelivering: ${asError(error).message}`),
      );
      return;
    } finally {
      clearInterval(progress);
    }
    try {
      // Wait for the server to confirm, so that a restart right after never sees this change again.
      await msg.ackAck();
    } catch (error) {
      this.settings.onError(
        new Error(`bus: ack for change ${decoded.value.id} not confirmed, it may be redelivered: ${asError(error).message}`),
      );
    }
  }

  /** A handler slower than ack_wait keeps its message instead of seeing it redelivered elsewhere. */
  private extendClaim(msg: JsMsg): void {
    try {
      msg.working();
    } catch (error) {
      this.settings.onError(new Error(`bus: could not extend the ack deadline: ${asError(error).message}`));
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const status of await this.messages.status()) {
      if (LOSS_EVENTS.has(status.type)) {
        this.settings.onError(new Error(`bus: consumer ${this.settings.durable}: ${status.type} (${String(status.data)})`));
      }
    }
  }
}
