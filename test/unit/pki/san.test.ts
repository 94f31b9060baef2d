import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { formatSan, isDnsName, parseSans } from '../../../src/pki/san.js';

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
