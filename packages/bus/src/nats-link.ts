/**
 * The state of a NATS connection, kept from its status events, for readiness: nats.js reconnects
 * on its own (forever, as NatsBus configures it), so a lost link is not an error anyone receives —
 * only these events say that publishes and the doorbell are not getting through.
 */
import type { NatsConnection } from 'nats';
import type { BusStatus } from './types.js';

export class NatsLink {
  private current: BusStatus = { connected: true, detail: 'connected' };

  constructor(nc: NatsConnection, now: () => Date = () => new Date()) {
    void (async () => {
      for await (const status of nc.status()) {
        const server = typeof status.data === 'string' ? status.data : 'the server';
        if (status.type === 'disconnect') this.current = { connected: false, detail: `disconnected from ${server} since ${now().toISOString()}; reconnecting` };
        else if (status.type === 'reconnect') this.current = { connected: true, detail: 'connected' };
      }
    })();
    void nc.closed().then((error) => {
      this.current = { connected: false, detail: error ? `closed: ${error.message}` : 'closed' };
    });
  }

  status(): BusStatus {
    return this.current;
  }
}
