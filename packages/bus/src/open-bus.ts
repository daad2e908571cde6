/** Chooses the bus: NATS JetStream when a URL is configured, otherwise in memory. */
import { InProcessBus } from './in-process-bus.js';
import { NatsBus } from './nats-bus.js';
import type { BusOptions } from './options.js';
import type { Bus } from './types.js';

export interface OpenBusOptions extends BusOptions {
  /** `NATS_URL`; unset means the in-process bus of the embedded mode. */
  natsUrl?: string;
  /** NATS connection name (ignored in process). */
  name?: string;
}

export async function openBus(options: OpenBusOptions = {}): Promise<Bus> {
  const { natsUrl, ...rest } = options;
  if (natsUrl) return NatsBus.connect({ ...rest, natsUrl });
  return new InProcessBus(rest);
}
