/**
 * A gRPC stream over `node:http2` directly, for the simulated proxies: one HTTP/2 connection per
 * stream, as each Envoy has its own, and messages handed over as they come off the connection.
 *
 * Why not grpc-js's client: 2,000 grpc-js channels receiving ~1 MiB each cost the simulator twice
 * the CPU of the server it measures (channel and call machinery per message, its own framing
 * buffers), and both share the machine's two cores, so the figures measured the simulator. Envoy
 * reads xDS with its own HTTP/2 codec; this is the nearest a Node process gets to that.
 */
import http2 from 'node:http2';

/** Flow-control windows as large as Envoy's (its defaults are 256 MiB; grpc's 64 KiB would make a 400 KiB message wait for window updates). */
const WINDOW = 16 * 1024 * 1024;

export interface RawStream {
  write(message: Buffer): void;
  /** Half-closes: no more messages from this side (a server-streaming call after its request). */
  end(): void;
  close(): void;
}

export interface RawStreamHandlers {
  onMessage(message: Buffer): void;
  /** The stream or its connection ended or failed (after `close` too). */
  onEnd?(): void;
}

/** Splits the gRPC length-prefixed messages of a byte stream; a message within one chunk is not copied. */
export class MessageSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Length of the message being read, once its 5-byte prefix is in. */
  private expected = -1;

  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.expected < 0) {
        if (this.pendingBytes === 0 && chunk.length - at >= 5) {
          const length = chunk.readUInt32BE(at + 1);
          at += 5;
          if (chunk.length - at >= length) {
            this.onMessage(chunk.subarray(at, at + length));
            at += length;
            continue;
          }
          this.expected = length;
          continue;
        }
        // A prefix split across chunks: gather its five bytes first.
        const take = Math.min(5 - this.pendingBytes, chunk.length - at);
        this.pending.push(chunk.subarray(at, at + take));
        this.pendingBytes += take;
        at += take;
        if (this.pendingBytes < 5) return;
        const prefix = Buffer.concat(this.pending, 5);
        this.pending = [];
        this.pendingBytes = 0;
        this.expected = prefix.readUInt32BE(1);
        continue;
      }
      const take = Math.min(this.expected - this.pendingBytes, chunk.length - at);
      this.pending.push(chunk.subarray(at, at + take));
      this.pendingBytes += take;
      at += take;
      if (this.pendingBytes === this.expected) {
        const message = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.expected);
        this.pending = [];
        this.pendingBytes = 0;
        this.expected = -1;
        this.onMessage(message);
      }
    }
    // A zero-length message whose prefix ended the chunk.
    if (this.expected === 0) {
      this.expected = -1;
      this.onMessage(Buffer.alloc(0));
    }
  }
}

/** A 5-byte gRPC prefix (not compressed) followed by the message. */
export function framed(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** Opens `path` (e.g. `/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources`) on its own connection. */
export function openRawStream(port: number, path: string, handlers: RawStreamHandlers): RawStream {
  const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: WINDOW } });
  let closing = false;
  // `BENCH_SIM_DEBUG=1`: say why a stream ended that was not closed on purpose.
  const report = (what: string, detail: unknown) => {
    if (!closing && process.env.BENCH_SIM_DEBUG) console.error(`[sim] ${what}: ${detail instanceof Error ? detail.message : JSON.stringify(detail)}`);
  };
  session.on('error', (e) => report('connection error', e));
  session.once('connect', () => session.setLocalWindowSize(WINDOW));
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
  const splitter = new MessageSplitter(handlers.onMessage);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    handlers.onEnd?.();
  };
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  stream.on('error', (e) => report('stream error', e));
  stream.on('trailers', (trailers) => report('stream ended by the server', trailers));
  stream.on('close', end);
  return {
    write(message) {
      if (!stream.closed && !stream.destroyed) stream.write(framed(message));
    },
    end() {
      if (!stream.closed && !stream.destroyed) stream.end();
    },
    close() {
      closing = true;
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
      session.close();
      session.unref();
    },
  };
}
