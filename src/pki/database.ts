// The OpenSSL `ca` database: index.txt lines and serial.txt, parsed and written
// exactly as `openssl ca` does so that both tools can keep issuing from one directory.
import { CaError } from '../errors.js';

export type IndexStatus = 'V' | 'R' | 'E';

export interface IndexEntry {
  status: IndexStatus;
  expires: Date;
  revoked: string; // revocation date (and reason) as openssl wrote it, '' when valid
  serial: string; // upper-case hex, as openssl writes it
  file: string; // 'unknown' in practice
  dn: string; // "/C=DE/O=Example/CN=broker1.example.com"
}

/** openssl writes UTCTime (YYMMDDHHMMSSZ) up to 2049 and GeneralizedTime after, as in the certificate. */
export function formatIndexTime(date: Date): string {
  const iso = date.toISOString(); // 2027-11-27T05:04:22.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return `${year < 2050 ? digits.slice(2) : digits}Z`;
}

/** UTCTime or GeneralizedTime as index.txt holds it; undefined when it is neither or no real date. */
export function parseIndexTime(text: string): Date | undefined {
  const match = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  // RFC 5280 4.1.2.5.1: a two-digit year YY >= 50 is 19YY, otherwise 20YY.
  const year = match[1]?.length === 4 ? y : y >= 50 ? 1900 + y : 2000 + y;
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s));
  // Date.UTC rolls "month 13" or "day 32" over into a later date: refuse instead of guessing.
  date.setUTCFullYear(year); // Date.UTC reads years 0..99 as 1900..1999
  const roundTrip = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours()];
  if (roundTrip.join() !== [year, mo, d, h].join() || mi > 59 || s > 59) return undefined;
  return date;
}

export function formatIndexLine(entry: IndexEntry): string {
  return [
    entry.status,
    formatIndexTime(entry.expires),
    entry.revoked,
    entry.serial,
    entry.file,
    entry.dn,
  ].join('\t');
}

const INDEX_HINT =
  'index.txt is the `openssl ca` database: correct or remove that line (keep a copy of the file first)';

/** Parses index.txt; a line it cannot read is a CaError naming the file and line. */
export function parseIndex(text: string, path = 'index.txt'): IndexEntry[] {
  const entries: IndexEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path}:${index + 1}`;
    const fields = line.split('\t');
    const [status, expires, revoked, serial, file, ...dn] = fields;
    if (fields.length < 6 || (status !== 'V' && status !== 'R' && status !== 'E') || !serial) {
      throw new CaError(`${where}: not an OpenSSL index line: ${JSON.stringify(line.slice(0, 200))}`, {
        hint: INDEX_HINT,
      });
    }
    if (!/^[0-9A-Fa-f]+$/.test(serial)) {
      throw new CaError(`${where}: the serial "${serial.slice(0, 80)}" is not hexadecimal`, {
        hint: INDEX_HINT,
      });
    }
    const expiry = parseIndexTime(expires as string);
    if (!expiry) {
      throw new CaError(`${where}: the expiry "${(expires as string).slice(0, 40)}" is not a date`, {
        hint: `${INDEX_HINT}; openssl writes YYMMDDHHMMSSZ (YYYYMMDDHHMMSSZ from 2050)`,
      });
    }
    entries.push({
      status,
      expires: expiry,
      revoked: revoked as string,
      serial: serial.toUpperCase(),
      file: file as string,
      dn: dn.join('\t'),
    });
  });
  return entries;
}

export function formatIndex(entries: readonly IndexEntry[]): string {
  return entries.map((entry) => `${formatIndexLine(entry)}\n`).join('');
}

/** Serials are compared as numbers: openssl may write "0A1B" where we would write "A1B". */
export function normalizeSerial(hex: string): string {
  const trimmed = hex.trim().toUpperCase().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

/** serial.txt holds the next serial openssl will use, in hex with an even number of digits. */
export function parseSerialFile(text: string, path = 'serial.txt'): string {
  const serial = text.trim().toUpperCase();
  if (!/^[0-9A-F]+$/.test(serial)) {
    throw new CaError(`${path}: not a hexadecimal serial: ${JSON.stringify(text.trim().slice(0, 80))}`, {
      hint: 'serial.txt holds the next serial `openssl ca` uses: write one, e.g. the output of `openssl rand -hex 16`',
    });
  }
  return serial;
}
