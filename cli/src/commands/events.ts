/**
 * `meshgate events`: the event log by sequence (`GET /v1/events`), or followed live over
 * Server-Sent Events (`GET /v1/events/stream`), reconnecting after the last event seen.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { problemMessage, type ApiClient } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError, EXIT_UNREACHABLE } from '../errors.js';
import { stringAt } from '../json.js';
import { parseFormat } from '../output/format.js';
import { readEventsPage, readStoredEvent, type StoredEvent } from '../responses.js';
import { SseParser } from '../sse.js';

const EVENT_FORMATS = ['text', 'json'] as const;
type EventFormat = (typeof EVENT_FORMATS)[number];
/** Until the server says otherwise with `retry:`; the api sends 2 s. */
const DEFAULT_RETRY_MS = 2_000;

interface EventsOptions {
  after: number;
  limit: number;
  follow?: boolean;
  output: string;
}

/** `#12 2025-01-01T00:00:00.000Z ResourceApplied VirtualService/default/httpbin v3 source=api` */
export function formatEvent(event: StoredEvent, format: EventFormat): string {
  if (format === 'json') return `${JSON.stringify(event)}\n`;
  const source = stringAt(event.data, 'source');
  const parts = [
    `#${event.sequence}`,
    event.recordedAt ?? '-',
    event.type,
    event.streamId,
    ...(event.streamVersion === undefined ? [] : [`v${event.streamVersion}`]),
    ...(source === undefined ? [] : [`source=${source}`]),
  ];
  return `${parts.join(' ')}\n`;
}

function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function positiveInteger(value: string): number {
  const number = nonNegativeInteger(value);
  if (number === 0) throw new InvalidArgumentError('expected a number above 0');
  return number;
}

async function printPage(client: ApiClient, options: EventsOptions, format: EventFormat, context: CliContext): Promise<void> {
  const { events, head } = readEventsPage(await client.getJson('/v1/events', { after: options.after, limit: options.limit }));
  for (const event of events) context.stdout(formatEvent(event, format));
  const last = events.at(-1)?.sequence ?? options.after;
  if (events.length === 0) context.stderr(`No events after ${options.after} (head is ${head}).\n`);
  else if (last < head) context.stderr(`More events follow: meshgate events --after ${last}\n`);
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'AbortError');
}

/** Reads one SSE connection until it ends; returns the last sequence printed. */
async function readStream(response: Response, after: number, parser: SseParser, format: EventFormat, context: CliContext): Promise<number> {
  if (!response.body) return after;
  let last = after;
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    for (const message of parser.push(decoder.decode(chunk, { stream: true }))) {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        throw new CliError('error: unexpected response from the server: an event stream message is not JSON');
      }
      const event = readStoredEvent(data);
      // A reconnect resumes after `last`, so a repeat can only come from a confused server.
      if (event.sequence <= last) continue;
      context.stdout(formatEvent(event, format));
      last = event.sequence;
    }
  }
  return last;
}

/** Follows until the signal aborts. The first connection must succeed; later drops are retried. */
async function follow(client: ApiClient, after: number, format: EventFormat, context: CliContext): Promise<void> {
  const { signal } = context;
  const parser = new SseParser();
  let last = after;
  let connected = false;
  while (!signal.aborted) {
    try {
      const response = await client.open('/v1/events/stream', { after: last }, { accept: 'text/event-stream' });
      if (response.status !== 200) {
        const body: unknown = await response.json().catch(() => undefined);
        throw new CliError(problemMessage({ status: response.status, body, server: client.server }));
      }
      connected = true;
      last = await readStream(response, last, parser, format, context);
      if (signal.aborted) return;
      context.stderr(`event stream ended; reconnecting after #${last}\n`);
    } catch (error) {
      if (isAbort(error, signal)) return;
      if (!connected || (error instanceof CliError && error.exitCode !== EXIT_UNREACHABLE)) throw error;
      context.stderr(`event stream interrupted (${error instanceof Error ? error.message : String(error)}); reconnecting after #${last}\n`);
    }
    await delay(parser.retryMs ?? DEFAULT_RETRY_MS, undefined, { signal }).catch((error: unknown) => {
      if (!isAbort(error, signal)) throw error;
    });
  }
}

export function registerEventsCommand(program: Command, context: CliContext): void {
  program
    .command('events')
    .description('Show the event log, or follow it as it grows')
    .option('--after <sequence>', 'only events after this sequence', nonNegativeInteger, 0)
    .option('--limit <count>', 'at most this many events (without --follow)', positiveInteger, 100)
    .option('-f, --follow', 'keep printing new events until interrupted')
    .addOption(new Option('-o, --output <format>', 'text, or json (one event per line)').choices(EVENT_FORMATS).default('text'))
    .action(async (options: EventsOptions, command: Command) =>
      runAction(context, async () => {
        const format = parseFormat(options.output, EVENT_FORMATS);
        const client = clientFor(command, context);
        if (options.follow) await follow(client, options.after, format, context);
        else await printPage(client, options, format, context);
      }),
    );
}
