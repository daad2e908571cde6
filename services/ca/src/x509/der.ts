/**
 * PEM and DER bytes, and the bridge to node-forge, which works on "binary strings" (one char
 * per byte) where node:crypto works on Buffers.
 */
import { createHash } from 'node:crypto';

export function toBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

export function fromBinary(binary: string): Buffer {
  return Buffer.from(binary, 'latin1');
}

export function toPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/** Every PEM block in `text`, in order; a block whose body is not base64 is skipped. */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const body = match[2];
    // Encapsulated headers (Proc-Type, DEK-Info) mean an encrypted legacy key: not base64 here.
    if (!BASE64_BODY.test(body)) continue;
    blocks.push({ label: match[1], der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
  }
  return blocks;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The exact bytes of the first element inside a DER SEQUENCE. A signature covers the bytes as
 * they were sent, and re-encoding a parsed structure is not guaranteed to reproduce them.
 */
export function firstElementOfSequence(der: Buffer): Buffer {
  const outer = readHeader(der, 0);
  if (der[0] !== 0x30) throw new Error('not a SEQUENCE');
  const inner = readHeader(der, outer.headerLength);
  return der.subarray(outer.headerLength, outer.headerLength + inner.headerLength + inner.length);
}

function readHeader(der: Buffer, offset: number): { headerLength: number; length: number } {
  if (offset + 2 > der.length) throw new Error('truncated DER');
  const first = der[offset + 1];
  if (first < 0x80) return { headerLength: 2, length: first };
  const count = first & 0x7f;
  if (count === 0 || count > 4 || offset + 2 + count > der.length) throw new Error('unsupported DER length');
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i];
  if (offset + 2 + count + length > der.length) throw new Error('truncated DER');
  return { headerLength: 2 + count, length };
}
