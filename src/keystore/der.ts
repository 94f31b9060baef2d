// A minimal DER encoder/decoder: just the ASN.1 that JKS key protection and PKCS#12 need.
// Definite lengths only; indefinite-length BER (rare in keystores) is rejected with a clear error.
import { KeystoreError } from '../errors.js';

export const Tag = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

const CONSTRUCTED = 0x20;
const CONTEXT = 0x80;

/** One decoded TLV. `raw` is the whole element (tag, length, content), e.g. a certificate's exact bytes. */
export interface DerNode {
  tag: number;
  content: Uint8Array;
  raw: Uint8Array;
}

// ---- encoding -----------------------------------------------------------------------------

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(tag), encodeLength(content.length), content]);
}

export const sequence = (...children: Uint8Array[]): Uint8Array => tlv(Tag.sequence, Buffer.concat(children));

/** SET OF: DER wants the elements sorted by their encoding; callers here pass at most one or two. */
export const set = (...children: Uint8Array[]): Uint8Array =>
  tlv(Tag.set, Buffer.concat([...children].sort(Buffer.compare)));

export const octetString = (bytes: Uint8Array): Uint8Array => tlv(Tag.octetString, bytes);

export const derNull = (): Uint8Array => tlv(Tag.null, new Uint8Array(0));

/** Context-specific constructed [n] EXPLICIT wrapper. */
export const explicit = (n: number, child: Uint8Array): Uint8Array => tlv(CONTEXT | CONSTRUCTED | n, child);

/** Context-specific primitive [n] IMPLICIT: the content of e.g. an OCTET STRING under another tag. */
export const implicitPrimitive = (n: number, content: Uint8Array): Uint8Array => tlv(CONTEXT | n, content);

/** Already-encoded DER (a certificate, a PKCS#8 key) goes in unchanged. */
export const raw = (der: Uint8Array): Uint8Array => der;

export function integer(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`DER integer out of range: ${value}`);
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  // A set high bit would read as negative: two's complement needs a leading zero byte.
  if (bytes.length === 0 || (bytes[0] ?? 0) >= 0x80) bytes.unshift(0);
  return tlv(Tag.integer, Uint8Array.from(bytes));
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) base128.unshift((n & 0x7f) | 0x80);
    out.push(...base128);
  }
  return tlv(Tag.oid, Uint8Array.from(out));
}

/** BMPString: UTF-16 big-endian, which is what PKCS#12 friendlyName uses. */
export const bmpString = (text: string): Uint8Array => tlv(Tag.bmpString, utf16be(text));

export function utf16be(text: string): Uint8Array {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

// ---- decoding -----------------------------------------------------------------------------

function malformed(what: string): KeystoreError {
  return new KeystoreError(`malformed DER: ${what}`, {
    hint: 'the keystore is truncated, corrupt or not in the expected format',
  });
}

/** Reads the element starting at `offset`; returns it and the offset just past it. */
export function readElement(bytes: Uint8Array, offset = 0): { node: DerNode; end: number } {
  if (offset + 2 > bytes.length) throw malformed('element runs past the end');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw malformed('multi-byte tags are not supported');
  let length = bytes[offset + 1] as number;
  let header = 2;
  if (length === 0x80) throw malformed('indefinite length (BER) is not supported');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4 || offset + 2 + count > bytes.length) throw malformed('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] as number);
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw malformed('element runs past the end');
  const node = { tag, content: bytes.subarray(offset + header, end), raw: bytes.subarray(offset, end) };
  return { node, end };
}

/** Decodes exactly one element that spans all of `bytes`. */
export function decode(bytes: Uint8Array): DerNode {
  const { node, end } = readElement(bytes);
  if (end !== bytes.length) throw malformed('trailing bytes after the element');
  return node;
}

/** The elements inside a constructed node (SEQUENCE, SET, [n] EXPLICIT). */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length; ) {
    const { node: child, end } = readElement(node.content, offset);
    out.push(child);
    offset = end;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw malformed(`${what} is missing`);
  if (node.tag !== tag) {
    throw malformed(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  }
  return node;
}

/** Children of a SEQUENCE, checked. */
export const sequenceOf = (node: DerNode | undefined, what: string): DerNode[] =>
  children(expectTag(node, Tag.sequence, what));

/** The one element inside a context-specific [n] EXPLICIT wrapper. */
export function unwrapExplicit(node: DerNode | undefined, n: number, what: string): DerNode {
  return decode(expectTag(node, CONTEXT | CONSTRUCTED | n, what).content);
}

export function readOid(node: DerNode | undefined, what = 'OID'): string {
  const bytes = expectTag(node, Tag.oid, what).content;
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const [first = 0, ...rest] = arcs;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...rest].join('.');
}

export function readInteger(node: DerNode | undefined, what = 'INTEGER'): number {
  const bytes = expectTag(node, Tag.integer, what).content;
  if (bytes.length === 0 || bytes.length > 6 || ((bytes[0] as number) & 0x80) !== 0) {
    throw malformed(`${what} is not a small non-negative integer`);
  }
  return bytes.reduce((n, byte) => n * 256 + byte, 0);
}

export const readOctetString = (node: DerNode | undefined, what = 'OCTET STRING'): Uint8Array =>
  expectTag(node, Tag.octetString, what).content;

export function readBmpString(node: DerNode | undefined, what = 'BMPString'): string {
  const bytes = expectTag(node, Tag.bmpString, what).content;
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    text += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  }
  return text;
}

/** Tag of a context-specific primitive [n] IMPLICIT element, for matching while decoding. */
export const contextPrimitiveTag = (n: number): number => CONTEXT | n;
