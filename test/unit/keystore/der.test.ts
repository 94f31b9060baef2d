import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeystoreError } from '../../../src/errors.js';
import {
  bmpString,
  children,
  decode,
  derNull,
  explicit,
  implicitPrimitive,
  integer,
  octetString,
  oid,
  readBmpString,
  readInteger,
  readOctetString,
  readOid,
  sequence,
  sequenceOf,
  set,
  Tag,
  unwrapExplicit,
} from '../../../src/keystore/der.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// Expected OID bytes come from `openssl asn1parse -genstr OID:<dotted> -out f.der`.
describe('DER encoding matches known encodings', () => {
  it.each([
    ['1.2.840.113549', '06062a864886f70d'], // the X.690 textbook example
    ['2.5.29.37.0', '0604551d2500'],
    ['2.16.840.1.113894.746875.1.1', '060c6086480186f966adca7b0101'],
  ])('OID %s', (dotted, expected) => {
    expect(hex(oid(dotted))).toBe(expected);
    expect(readOid(decode(oid(dotted)))).toBe(dotted);
  });

  it.each([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'], // high bit set: needs a leading zero to stay positive
    [2048, '02020800'],
    [65536, '0203010000'],
  ])('INTEGER %d', (value, expected) => {
    expect(hex(integer(value))).toBe(expected);
    expect(readInteger(decode(integer(value)))).toBe(value);
  });

  it('NULL, BMPString and long-form lengths', () => {
    expect(hex(derNull())).toBe('0500');
    expect(hex(bmpString('Aü'))).toBe('1e04004100fc');
    expect(readBmpString(decode(bmpString('broker-ü')))).toBe('broker-ü');
    const long = octetString(new Uint8Array(300));
    expect(hex(long.subarray(0, 4))).toBe('0482012c');
    expect(readOctetString(decode(long))).toHaveLength(300);
  });

  it('SET OF sorts its elements as DER requires', () => {
    expect(hex(set(integer(2), integer(1)))).toBe('3106020101020102');
  });
});

describe('DER decoding', () => {
  it('round-trips nested structures with explicit and implicit tags', () => {
    const der = sequence(
      oid('1.2.3'),
      explicit(0, octetString(Uint8Array.of(1, 2))),
      implicitPrimitive(0, Uint8Array.of(9)),
    );
    const [first, second, third] = sequenceOf(decode(der), 'test');
    expect(readOid(first)).toBe('1.2.3');
    expect([...readOctetString(unwrapExplicit(second, 0, 'x'))]).toEqual([1, 2]);
    expect(third?.tag).toBe(0x80);
    expect([...(third?.content ?? [])]).toEqual([9]);
  });

  it('keeps already-encoded DER byte-exact (raw), as certificates need', () => {
    // DER made by someone else (OpenSSL via node:crypto): wrapping and unwrapping must not re-encode it.
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    const node = decode(sequence(spki));
    expect(hex(children(node)[0]?.raw ?? new Uint8Array())).toBe(hex(spki));
    expect(node.tag).toBe(Tag.sequence);
  });

  it('rejects truncated input, trailing bytes and indefinite lengths', () => {
    const der = sequence(integer(1));
    expect(() => decode(der.subarray(0, der.length - 1))).toThrow(KeystoreError);
    expect(() => decode(Buffer.concat([der, Uint8Array.of(0)]))).toThrow(/trailing/);
    expect(() => decode(Uint8Array.of(0x30, 0x80, 0, 0))).toThrow(/indefinite/);
  });

  it('names the element when a tag is unexpected', () => {
    expect(() => sequenceOf(decode(integer(1)), 'PFX')).toThrow(/PFX: expected tag 0x30/);
  });
});
