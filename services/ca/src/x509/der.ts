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

const BEGIN = '-----BEGIN ';
const DASHES = '-----';

function isLabelChar(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x20; // A-Z 0-9 space
}

function isBase64OrSpace(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) ||
    code === 0x2b || code === 0x2f || code === 0x3d || // + / =
    code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0b || code === 0x0c
  );
}

/**
 * Every PEM block in `text`, in order. A block is `-----BEGIN L-----`, a base64 body and
 * `-----END L-----`; one whose body is not base64 (encapsulated headers such as Proc-Type and
 * DEK-Info mean an encrypted legacy key) or whose END does not follow is skipped.
 *
 * A single forward scan, linear in the text: the body ends at the first character that is not
 * base64, and the next BEGIN is searched from there. (A backreferencing regex did the same in
 * time quadratic in the number of unterminated BEGIN lines: a 700 KB body held the CA for 20 s.)
 */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let at = text.indexOf(BEGIN);
  while (at >= 0) {
    let cursor = at + BEGIN.length;
    const labelStart = cursor;
    while (cursor < text.length && isLabelChar(text.charCodeAt(cursor))) cursor++;
    const label = text.slice(labelStart, cursor);
    if (label !== '' && text.startsWith(DASHES, cursor)) {
      const bodyStart = cursor + DASHES.length;
      cursor = bodyStart;
      while (cursor < text.length && isBase64OrSpace(text.charCodeAt(cursor))) cursor++;
      const end = `-----END ${label}-----`;
      if (text.startsWith(end, cursor)) {
        const body = text.slice(bodyStart, cursor);
        blocks.push({ label, der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
        cursor += end.length;
      }
    }
    // Neither a label nor a base64 body holds a '-': no BEGIN starts inside what was scanned.
    at = text.indexOf(BEGIN, Math.max(cursor, at + 1));
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
