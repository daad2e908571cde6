export * from './types.js';
export { openBus, type OpenBusOptions } from './open-bus.js';
export { NatsBus, DEFAULT_ACK_WAIT_MS, type NatsBusOptions } from './nats-bus.js';
export { InProcessBus, DEFAULT_MAX_RETAINED_CHANGES, type InProcessBusOptions } from './in-process-bus.js';
export {
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_REDELIVERY_DELAY_MS,
  type BusOptions,
  type InvalidMessage,
} from './options.js';
export {
  changeSubject,
  decodeDoorbell,
  decodeResourceChanged,
  validateDoorbell,
  validateResourceChanged,
  type Decoded,
} from './codec.js';
