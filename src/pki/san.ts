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
    const zone = value.indexOf('%');
    if (zone >= 0 && isIP(value) === 6) {
      throw new InputError(
        `${where}: "${value}" has a zone id (${value.slice(zone)}), which no certificate can hold`,
        {
          hint: 'an iPAddress SAN is the 16 address bytes only (RFC 5280 4.2.1.6): write the address without %<zone>',
        },
      );
    }
    if (isIP(value) === 0) throw new InputError(`${where}: "${value}" is not an IP address`, { hint });
    return { type: 'ip', value: isIP(value) === 6 ? canonicalIpv6(value) : value };
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

/**
 * RFC 5952's text form: lower case, longest zero run as "::", and an IPv4 tail in hex
 * ("::ffff:10.0.0.1" → "::ffff:a00:1"), as the WHATWG URL host serializer writes it. One form per
 * address, so inventory SANs compare with those read from certificates, and the certificate
 * builder, which reads no dotted tail, encodes all 16 bytes.
 */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/**
 * A SAN as OpenSSL or Node prints it ("IP Address:2001:DB8:0:0:0:0:0:1", "DNS:x") in formatSan's
 * form ("IP:2001:db8::1"), for comparing certificates with the inventory. Text it cannot read stays as it is.
 */
export function canonicalSanText(text: string): string {
  const ip = /^IP(?: Address)?:(.*)$/i.exec(text.trim());
  if (ip) {
    const address = ip[1] as string;
    return `IP:${isIP(address) === 6 ? canonicalIpv6(address) : address}`;
  }
  const dns = /^DNS:(.*)$/i.exec(text.trim());
  return dns ? `DNS:${(dns[1] as string).toLowerCase()}` : text;
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
  return subjectAltName.split(', ').map(canonicalSanText);
}
