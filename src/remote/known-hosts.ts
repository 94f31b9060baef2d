// OpenSSH's known_hosts, read the way ssh reads it: plain and hashed (|1|salt|hmac) host
// fields, [host]:port for other ports, * and ? patterns, !negation, @revoked markers.
import { createHmac } from 'node:crypto';

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  hosts: string; // the raw first field
  keyType: string;
  key: string; // base64 of the public key blob
  line: number;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const marker = fields[0] === '@revoked' || fields[0] === '@cert-authority' ? fields.shift() : undefined;
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return; // ssh skips lines it cannot read, so do we
    entries.push({ marker: marker as KnownHostEntry['marker'], hosts, keyType, key, line: index + 1 });
  });
  return entries;
}

/** The name ssh looks up: "host" on port 22, "[host]:port" otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false; // a negation wins over any match
    } else if (globToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  | { kind: 'known' }
  | { kind: 'unknown' } // no line for this host: ssh would ask
  | { kind: 'changed'; line: number } // lines exist but none holds this key
  | { kind: 'revoked'; line: number };

/** Judges a host key offered by a server against known_hosts entries, as ssh does. */
export function checkHostKey(
  entries: KnownHostEntry[],
  name: string,
  keyType: string,
  key: string,
): HostKeyVerdict {
  const forHost = entries.filter(
    (entry) => entry.marker !== '@cert-authority' && hostsFieldMatches(entry.hosts, name),
  );
  const revoked = entries.find((entry) => entry.marker === '@revoked' && entry.key === key);
  if (revoked) return { kind: 'revoked', line: revoked.line };
  if (forHost.some((entry) => entry.keyType === keyType && entry.key === key)) return { kind: 'known' };
  const sameType = forHost.find((entry) => entry.keyType === keyType && !entry.marker);
  if (sameType) return { kind: 'changed', line: sameType.line };
  return { kind: 'unknown' };
}

/** Host key algorithms known_hosts has for this host: offered first so the server picks one we can check. */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types = entries
    .filter((entry) => !entry.marker && hostsFieldMatches(entry.hosts, name))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

/**
 * The host key algorithms to offer for the key types known_hosts has. An RSA key ("ssh-rsa" in
 * known_hosts) is verified with rsa-sha2-512 or rsa-sha2-256 signatures (RFC 8332): OpenSSH 8.8
 * and later refuse the SHA-1 "ssh-rsa" signature algorithm, so offering only it fails the handshake.
 */
export function hostKeyAlgorithms(keyTypes: readonly string[]): string[] {
  return [
    ...new Set(keyTypes.flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256'] : [type]))),
  ];
}

/** Whether a @cert-authority line vouches for this host: its host certificate is to be checked. */
export function hasCertAuthority(entries: KnownHostEntry[], name: string): boolean {
  return entries.some((entry) => entry.marker === '@cert-authority' && hostsFieldMatches(entry.hosts, name));
}

/** The key type named inside an SSH public key blob (uint32 length + name). */
export function keyTypeOfBlob(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('ascii');
}
