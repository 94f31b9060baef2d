import { describe, expect, it } from 'vitest';
import { detectFormat, parseAddress, pemBlocks } from '../../../src/inspect/target.js';

describe('parseAddress', () => {
  it.each([
    ['broker1.example.com:8883', { host: 'broker1.example.com', port: 8883 }],
    ['127.0.1.1:8883', { host: '127.0.1.1', port: 8883 }],
    ['[::1]:8883', { host: '::1', port: 8883 }],
  ])('%s', (text, address) => {
    expect(parseAddress(text)).toEqual(address);
  });

  it.each([
    'broker1',
    'broker1:0',
    'broker1:65536',
    '::1:8883',
    '[nope]:1',
    'a b:1',
    'host:8883;rm',
    './x:1/',
  ])('refuses %j', (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });
});

describe('detectFormat', () => {
  const never = () => false;
  it('reads the content, not the name', () => {
    expect(detectFormat(Uint8Array.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), never)).toBe('jks');
    expect(detectFormat(Uint8Array.from([0xce, 0xce, 0xce, 0xce]), never)).toBe('jceks');
    expect(detectFormat(new TextEncoder().encode('junk\n-----BEGIN CERTIFICATE-----\n'), never)).toBe('pem');
    expect(detectFormat(Uint8Array.from([0x30, 0x82, 0x01, 0x00]), never)).toBe('pkcs12');
    expect(detectFormat(Uint8Array.from([0x30, 0x82, 0x01, 0x00]), () => true)).toBe('der');
    expect(detectFormat(new TextEncoder().encode('hello'), never)).toBeUndefined();
  });
});

describe('pemBlocks', () => {
  it('returns every well-formed block in order and skips ones with headers or junk', () => {
    const text = [
      '-----BEGIN CERTIFICATE-----',
      'AQID',
      '-----END CERTIFICATE-----',
      '-----BEGIN RSA PRIVATE KEY-----',
      'Proc-Type: 4,ENCRYPTED',
      '',
      'AAAA',
      '-----END RSA PRIVATE KEY-----',
      '-----BEGIN CERTIFICATE-----',
      'BAUG',
      '-----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----',
      'BAUG',
      '-----END X509 CRL-----',
    ].join('\n');
    expect(pemBlocks(text).map((b) => [b.label, [...b.der]])).toEqual([
      ['CERTIFICATE', [1, 2, 3]],
      ['CERTIFICATE', [4, 5, 6]],
    ]);
  });
});
