// Subject alternative names: "DNS:broker1.example.com" and "IP:10.0.0.11", validated
// before anything is issued so a typo never reaches a certificate.
import { isIP } from 'node:net';
import { InputError } from '../errors.js';

export type San = { type: 'dns'; value: string } | { type: 'ip'; value: string };

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const DNS_NAME_MAX = 253; // RFC 1035's limit on a name's text form

export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > DNS_NAME_MAX) return false;
  const labels = name.split('.');
  // A wildcard is allowed as the whole leftmost label only, as TLS clients match it.
  const first = labels[0] === '*' && labels.length > 2 ? labels.slice(1) : labels;
  return first.every((label) => DNS_LABEL.test(label));
}

export function parseSan(entry: string, where = 'SAN'): San {
  const colon = entry.indexOf(':');
  const kind = entry.slice(0, colon).trim().toUpperCase();
  const value = entry.slice(colon + 1);
  const hint = 'write each SAN as DNS:broker1.example.com or IP:10.0.0.11';
  if (colon < 0 || (kind !== 'DNS' && kind !== 'IP')) {
    throw new InputError(`${where}: "${entry}" is neither DNS:<name> nor IP:<address>`, { hint });
  }
  if (kind === 'IP') {
    if (isIP(value) === 0) throw new InputError(`${where}: "${value}" is not an IP address`, { hint });
    return { type: 'ip', value };
  }
  if (!isDnsName(value)) {
    const why = value === '' ? 'has an empty DNS name' : `"${value}" is not a DNS name`;
    throw new InputError(`${where}: ${why}`, { hint });
  }
  return { type: 'dns', value: value.toLowerCase() };
}

/** Parses and de-duplicates; throws on the first invalid entry, naming it by position. */
export function parseSans(entries: readonly string[], where = 'sans'): San[] {
  const seen = new Set<string>();
  const sans: San[] = [];
  entries.forEach((entry, index) => {
    const san = parseSan(entry, `${where}[${index}]`);
    const key = `${san.type}:${san.value}`;
    if (!seen.has(key)) sans.push(san);
    seen.add(key);
  });
  return sans;
}

export function formatSan(san: San): string {
  return `${san.type === 'dns' ? 'DNS' : 'IP'}:${san.value}`;
}

/**
 * A certificate's SANs as Node and OpenSSL print them ("DNS:a.example, IP Address:10.0.0.11") in
 * our spelling ("DNS:a.example", "IP:10.0.0.11"), so a served or deployed certificate compares
 * with the inventory's list.
 */
export function sansFromText(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName.split(', ').map((san) => san.replace(/^IP Address:/, 'IP:'));
}
