// The OpenSSL `ca` database: index.txt lines and serial.txt, parsed and written
// exactly as `openssl ca` does so that both tools can keep issuing from one directory.

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

export function parseIndexTime(text: string): Date {
  const match = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) throw new Error(`not an index.txt time: "${text}"`);
  const [, y, mo, d, h, mi, s] = match as unknown as string[];
  const year = (y as string).length === 4 ? Number(y) : Number(y) >= 50 ? 1900 + Number(y) : 2000 + Number(y);
  return new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
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

/** Parses index.txt; a line it cannot read throws with the line number. */
export function parseIndex(text: string, path = 'index.txt'): IndexEntry[] {
  const entries: IndexEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const fields = line.split('\t');
    const [status, expires, revoked, serial, file, ...dn] = fields;
    if (fields.length < 6 || (status !== 'V' && status !== 'R' && status !== 'E') || !serial) {
      throw new Error(`${path}:${index + 1}: not an OpenSSL index line: "${line}"`);
    }
    entries.push({
      status,
      expires: parseIndexTime(expires as string),
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
export function parseSerialFile(text: string): string {
  const serial = text.trim().toUpperCase();
  if (!/^[0-9A-F]+$/.test(serial)) throw new Error(`not a hex serial: "${text.trim()}"`);
  return serial;
}
