import { describe, expect, it } from 'vitest';
import { parseSubject, subjectFromJsonName, toJsonName, toOpensslDn } from '../../../src/pki/names.js';

describe('subjects', () => {
  it('reads the openssl -subj form and the comma form alike', () => {
    const slash = parseSubject('/C=DE/ST=Bavaria/L=Landshut/O=Example/OU=Operations');
    const comma = parseSubject('C=DE, ST=Bavaria, L=Landshut, O=Example, OU=Operations');
    expect(slash).toEqual(comma);
    expect(toOpensslDn(slash)).toBe('/C=DE/ST=Bavaria/L=Landshut/O=Example/OU=Operations');
  });

  it('writes attributes in certificate order whatever the input order', () => {
    expect(toOpensslDn(parseSubject('/CN=x/O=Example/C=DE'))).toBe('/C=DE/O=Example/CN=x');
  });

  it('round-trips through the x509 JSON name', () => {
    const subject = parseSubject('/C=DE/O=Example/CN=broker1.example.com/emailAddress=ops@example.com');
    expect(subjectFromJsonName(toJsonName(subject))).toEqual(subject);
  });

  it.each([
    ['/C=Germany/O=x', 'not a two-letter country code'],
    ['/X=1', 'cannot read "X=1"'],
    ['/O=', 'cannot read "O="'],
  ])('refuses %s', (text, message) => {
    expect(() => parseSubject(text, '--subject')).toThrow(message);
  });
});
