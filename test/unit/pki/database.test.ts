import { describe, expect, it } from 'vitest';
import { CaError } from '../../../src/errors.js';
import {
  formatIndex,
  formatIndexTime,
  normalizeSerial,
  parseIndex,
  parseIndexTime,
  parseSerialFile,
} from '../../../src/pki/database.js';

// A line as `openssl ca` wrote it in the article (tab-separated, empty revocation field).
const OPENSSL_LINE =
  'V\t331209001052Z\t\t329C324F628F61099FA7A2B899AF31AC\tunknown\t/C=DE/ST=Bavaria/O=HiveMQ/OU=Customer Services/CN=HiveMQ Intermediate CA';

describe('index.txt', () => {
  it('reads a line openssl wrote and writes it back byte for byte', () => {
    const entries = parseIndex(`${OPENSSL_LINE}\n`);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.serial).toBe('329C324F628F61099FA7A2B899AF31AC');
    expect(entries[0]?.expires.toISOString()).toBe('2033-12-09T00:10:52.000Z');
    expect(formatIndex(entries)).toBe(`${OPENSSL_LINE}\n`);
  });

  it('keeps revoked lines with their revocation field', () => {
    const revoked = 'R\t271127050943Z\t261127060000Z,keyCompromise\t0A1B\tunknown\t/CN=x';
    expect(formatIndex(parseIndex(revoked))).toBe(`${revoked}\n`);
  });

  it('names the line it cannot read', () => {
    expect(() => parseIndex(`${OPENSSL_LINE}\nnonsense\n`, 'ca/index.txt')).toThrow('ca/index.txt:2');
  });

  it('writes UTCTime before 2050 and GeneralizedTime from 2050 on, as openssl does', () => {
    expect(formatIndexTime(new Date('2036-11-24T05:09:41Z'))).toBe('361124050941Z');
    expect(formatIndexTime(new Date('2051-01-02T03:04:05Z'))).toBe('20510102030405Z');
    expect(parseIndexTime('20510102030405Z')?.toISOString()).toBe('2051-01-02T03:04:05.000Z');
    expect(parseIndexTime('491231235959Z')?.getUTCFullYear()).toBe(2049);
    expect(parseIndexTime('500101000000Z')?.getUTCFullYear()).toBe(1950);
  });

  it.each([
    ['a date with a five-digit year', '292278994081717Z'],
    ['month 13', '271327050943Z'],
    ['day 32', '271132050943Z'],
    ['not a time at all', 'soon'],
  ])('a bad expiry (%s) is a CA input error naming the file and line, not a crash', (_, time) => {
    const bad = `V\t${time}\t\t0A1B\tunknown\t/CN=x`;
    const error = (() => {
      try {
        parseIndex(`${OPENSSL_LINE}\n${bad}\n`, 'ca/intermediate/index.txt');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CaError);
    expect((error as CaError).exitCode).toBe(2);
    expect((error as CaError).message).toContain('ca/intermediate/index.txt:2: the expiry');
    expect((error as CaError).hint).toContain('correct or remove that line');
  });

  it('a line that is no index line is a CA input error too', () => {
    expect(() => parseIndex('nonsense\n', 'index.txt')).toThrow(CaError);
  });
});

describe('serials', () => {
  it('compares serials as numbers, whatever the leading zeros or case', () => {
    expect(normalizeSerial('0a1b')).toBe(normalizeSerial('A1B'));
    expect(normalizeSerial('00')).toBe('0');
  });

  it('reads serial.txt as openssl rand -hex 16 writes it', () => {
    expect(parseSerialFile('3f2a9c0d1e2f3a4b5c6d7e8f90a1b2c3\n')).toBe('3F2A9C0D1E2F3A4B5C6D7E8F90A1B2C3');
    expect(() => parseSerialFile('not hex', 'ca/serial.txt')).toThrow(CaError);
    expect(() => parseSerialFile('not hex', 'ca/serial.txt')).toThrow(
      'ca/serial.txt: not a hexadecimal serial',
    );
  });
});
