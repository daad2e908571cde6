/** Logging and process lifetime shared by every service's main. */
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type LogFormat = 'json' | 'pretty';

/** MESHGATE_LOG_FORMAT (`json` or `pretty`); unset: pretty on a terminal, JSON lines otherwise (files, collectors). */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTty: boolean = process.stdout.isTTY === true): LogFormat {
  const given = env.MESHGATE_LOG_FORMAT;
  if (given === undefined || given === '') return isTty ? 'pretty' : 'json';
  if (given === 'json' || given === 'pretty') return given;
  throw new Error(`MESHGATE_LOG_FORMAT: expected json or pretty, got "${given}"`);
}

/**
 * Fields that hold secret material wherever they appear in a log object, one or two levels down:
 * a Secret document's `stringData`/`data` under `object` or `document`, a PEM private key. No
 * meshgate code logs them; this is the net under that rule.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'stringData',
  '*.stringData',
  '*.*.stringData',
  'object.data',
  '*.object.data',
  'document.data',
  '*.document.data',
  'privateKeyPem',
  '*.privateKeyPem',
  'private_key',
  '*.private_key',
];

/** What every meshgate logger is made with (its name, level and redaction). */
export function loggerOptions(service: string, level: string) {
  return { name: `meshgate-${service}`, level, redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' } };
}

export function createLogger(service: string, level: string, format: LogFormat = logFormat()): Logger {
  const options = loggerOptions(service, level);
  if (format === 'json') return pino(options);
  // Synchronous, in this thread: a person at a terminal reads these as they happen.
  return pino(options, PinoPretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
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
