// What TARGET names: a file (a JKS or PKCS#12 store, PEM or DER certificates) judged by its content,
// not its name, or a host:port whose served chain is read over TLS. Pure.
import { isIP } from 'node:net';

export type FileFormat = 'jks' | 'jceks' | 'pkcs12' | 'pem' | 'der';

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

export function detectFormat(
  bytes: Uint8Array,
  looksLikeCertificate: (der: Uint8Array) => boolean,
): FileFormat | undefined {
  if (bytes.length >= 4) {
    const magic = Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0);
    if (magic === JKS_MAGIC) return 'jks';
    if (magic === JCEKS_MAGIC) return 'jceks';
  }
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  if (head.includes('-----BEGIN ')) return 'pem';
  // Both a DER certificate and a PKCS#12 PFX are one DER SEQUENCE: the certificate parser tells them apart.
  if (bytes[0] === 0x30) return looksLikeCertificate(bytes) ? 'der' : 'pkcs12';
  return undefined;
}

export interface Address {
  host: string;
  port: number;
}

/** "broker1.example.com:8883", "127.0.1.1:8883", "[::1]:8883" → host and port; anything else → undefined. */
export function parseAddress(text: string): Address | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([a-zA-Z0-9._-]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  if (match[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Every -----BEGIN X----- block of a PEM text (RFC 7468), in order. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const match of text.matchAll(pattern)) {
    const body = (match[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) continue; // headers (Proc-Type) or junk: not a block we read
    blocks.push({ label: match[1] ?? '', der: new Uint8Array(Buffer.from(body, 'base64')) });
  }
  return blocks;
}
