import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { signCertificate } from '../../../src/pki/certificate.js';
import { generateKey } from '../../../src/pki/keys.js';
import { validity } from '../../../src/pki/profiles.js';
import { canonicalSanText, formatSan, isDnsName, parseSans, sansFromText } from '../../../src/pki/san.js';

/** The SANs of a node certificate made with these entries, as OpenSSL reads them back. */
async function encoded(entries: string[]): Promise<string | undefined> {
  const key = await generateKey('ecdsa-p256');
  const certificate = await signCertificate({
    profile: 'node',
    subject: { CN: 'x' },
    publicKey: key.publicKey,
    signingKey: key.privateKey,
    sans: parseSans(entries),
    serial: '0A1B',
    ...validity(new Date('2026-01-01T00:00:00Z'), 1),
  });
  return new X509Certificate(certificate.toString('pem')).subjectAltName;
}

describe('SANs', () => {
  it('reads DNS names and IPv4/IPv6 addresses, lower-cases names and drops repeats', () => {
    const sans = parseSans(['DNS:Broker1.Example.com', 'IP:10.0.0.11', 'ip:::1', 'DNS:broker1.example.com']);
    expect(sans.map(formatSan)).toEqual(['DNS:broker1.example.com', 'IP:10.0.0.11', 'IP:::1']);
  });

  it.each([
    ['DNS:', 'sans[0]: has an empty DNS name'],
    ['DNS:broker 2', 'sans[0]: "broker 2" is not a DNS name'],
    ['IP:10.0.0.256', 'sans[0]: "10.0.0.256" is not an IP address'],
    ['broker1.example.com', 'sans[0]: "broker1.example.com" is neither DNS:<name> nor IP:<address>'],
    ['URI:https://x', 'is neither'],
  ])('refuses %s, naming the entry', (entry, message) => {
    expect(() => parseSans([entry])).toThrow(message);
    expect(() => parseSans([entry])).toThrow(InputError);
  });

  it('encodes an IPv4-mapped IPv6 address as its 16 bytes', async () => {
    expect(await encoded(['IP:::ffff:10.0.0.1', 'IP:::FFFF:192.0.2.1'])).toBe(
      'IP Address:0:0:0:0:0:FFFF:A00:1, IP Address:0:0:0:0:0:FFFF:C000:201',
    );
  });

  it('writes IPv6 addresses in one canonical form (RFC 5952), so they compare with what a certificate holds', async () => {
    const sans = parseSans(['IP:2001:DB8:0:0:0:0:0:1', 'IP:2001:db8::1', 'IP:::ffff:10.0.0.1']);
    expect(sans.map(formatSan)).toEqual(['IP:2001:db8::1', 'IP:::ffff:a00:1']);
    const served =
      (await encoded(['IP:2001:db8::1', 'IP:10.0.0.11', 'DNS:x.example.com']))?.split(', ') ?? [];
    expect(served.map(canonicalSanText)).toEqual(['IP:2001:db8::1', 'IP:10.0.0.11', 'DNS:x.example.com']);
    // sansFromText, which the TLS probe and the keystore facts read certificates with, spells them so too.
    expect(sansFromText(served.join(', '))).toEqual(['IP:2001:db8::1', 'IP:10.0.0.11', 'DNS:x.example.com']);
  });

  it('refuses an IPv6 zone id: a certificate holds the address bytes only', () => {
    expect(() => parseSans(['IP:fe80::1%eth0'])).toThrow(
      'sans[0]: "fe80::1%eth0" has a zone id (%eth0), which no certificate can hold',
    );
  });

  it('names the position of the bad entry among good ones', () => {
    expect(() => parseSans(['DNS:ok.example.com', 'IP:nope'], '--san')).toThrow('--san[1]');
  });

  it('accepts a leading wildcard label only', () => {
    expect(isDnsName('*.brokers.example.com')).toBe(true);
    expect(isDnsName('a.*.example.com')).toBe(false);
    expect(isDnsName('-bad.example.com')).toBe(false);
    expect(isDnsName(`${'a'.repeat(64)}.example.com`)).toBe(false);
  });
});
