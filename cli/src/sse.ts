/**
 * A Server-Sent Events parser (the `text/event-stream` format of the HTML standard), fed with
 * decoded text as it arrives. Only what `GET /v1/events/stream` uses: `id`, `data`, `retry`;
 * comments (heartbeats) are skipped.
 */

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

export class SseParser {
  /** The reconnection delay the server asked for, if it did. */
  retryMs: number | undefined;
  private buffer = '';
  private data: string[] = [];
  private id: string | undefined;
  private event: string | undefined;

  /** Feeds text; returns the messages completed by it. */
  push(text: string): SseMessage[] {
    this.buffer += text;
    const messages: SseMessage[] = [];
    // A line ends at \n, \r\n or \r; a trailing \r may be the first half of \r\n, so it waits.
    const pattern = /\r\n|\n|\r(?!$)/g;
    let start = 0;
    for (let match = pattern.exec(this.buffer); match; match = pattern.exec(this.buffer)) {
      const message = this.line(this.buffer.slice(start, match.index));
      if (message) messages.push(message);
      start = match.index + match[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
    else if (field === 'event') this.event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const data = this.data;
    this.data = [];
    const event = this.event;
    this.event = undefined;
    if (data.length === 0) return undefined;
    return { id: this.id, event, data: data.join('\n') };
  }
}
