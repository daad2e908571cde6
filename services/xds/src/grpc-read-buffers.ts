/**
 * grpc-js's message decoder (`StreamDecoder`, one per stream) keeps, between messages, a 1-byte
 * slice of the chunk the last message began in and slices of every chunk it spanned. A slice
 * keeps its whole ArrayBuffer alive, and the chunks Node's HTTP/2 layer hands over are tens of
 * KiB: an Envoy gateway's last request on a SotW stream is an ACK naming its 1,000 endpoint
 * clusters (~60 KiB), so every idle stream kept ~40 KiB of read buffers — half of the memory a
 * connected gateway cost. Here the decoder lets go of them once a message is complete: the
 * chunk list is emptied and the flag byte copied, which is all it reads of them again.
 *
 * This reaches into grpc-js internals (build/src/stream-decoder.js, unchanged from 1.8 to 1.14):
 * `releaseReadBuffers` checks the shape it relies on and changes nothing (returns false) when it
 * differs; the test fails then, so that an upgrade is looked at.
 */
import { createRequire } from 'node:module';

interface DecoderFields {
  readState: number;
  readCompressFlag: Buffer;
  readPartialMessage: Buffer[];
  write(data: Buffer): Buffer[];
}

/** grpc-js's ReadState.NO_DATA: between messages. */
const NO_DATA = 0;
const PATCHED = Symbol.for('meshgate.releaseReadBuffers');

/** Makes every grpc-js stream decoder in this process drop its read chunks between messages; false when grpc-js is not as expected. */
export function releaseReadBuffers(): boolean {
  const require = createRequire(import.meta.url);
  const { StreamDecoder } = require('@grpc/grpc-js/build/src/stream-decoder.js') as { StreamDecoder?: new (max: number) => DecoderFields };
  if (typeof StreamDecoder !== 'function') return false;
  const prototype = StreamDecoder.prototype as DecoderFields & { [PATCHED]?: boolean };
  if (prototype[PATCHED]) return true;
  const probe = new StreamDecoder(-1);
  if (probe.readState !== NO_DATA || !Buffer.isBuffer(probe.readCompressFlag) || !Array.isArray(probe.readPartialMessage) || typeof prototype.write !== 'function') return false;
  const write = prototype.write;
  prototype.write = function (this: DecoderFields, data: Buffer): Buffer[] {
    const messages = write.call(this, data);
    if (this.readState === NO_DATA) {
      // The next message starts by setting both afresh.
      this.readPartialMessage = [];
      this.readCompressFlag = NO_FLAG;
    } else if (this.readCompressFlag.buffer.byteLength > 1) {
      // A message still arriving: its chunks are needed, but not the rest of the one its flag came in.
      this.readCompressFlag = Buffer.alloc(1, this.readCompressFlag[0]); // alloc: not a slice of the shared pool
    }
    return messages;
  };
  prototype[PATCHED] = true;
  return true;
}

const NO_FLAG = Buffer.alloc(1);
