/** Logging and process lifetime shared by every service's main. */
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createLogger(service: string, level: string): Logger {
  return pino({ name: `meshgate-${service}`, level });
}

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'meshgate_' });
  return registry;
}

/** Runs until SIGINT/SIGTERM, then calls `stop` once and exits. */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
