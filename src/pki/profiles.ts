// Certificate profiles: the article's openssl settings, corrected where Java needs it.

const DAY_MS = 86_400_000;

export const ROOT_DAYS = 3652; // the article's `openssl req -x509 -days 3652`
export const INTERMEDIATE_DAYS = 3650; // the article's `openssl ca -extensions v3_intermediate_ca -days 3650`
export const LEAF_DAYS = 365; // the article's server certificate `openssl ca -days 365`
export const CLIENT_DAYS = 375; // the article's client certificate: a year plus a few days' grace

/** Nodes' clocks may lag the control host's; a fresh certificate must not be "not yet valid" there. */
export const NOT_BEFORE_BACKDATE_MS = 5 * 60_000;

export const KEY_TYPES = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ecdsa-p256', 'ecdsa-p384'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const CA_KEY_TYPE: KeyType = 'rsa-4096'; // the article's root and intermediate keys
export const LEAF_KEY_TYPE: KeyType = 'rsa-2048'; // the article's leaves: 4096 bits only slow handshakes

/** Random serials of this many bytes (>= 64 bits of entropy, as CA/B rules ask). */
export const SERIAL_BYTES = 16;

export function isKeyType(value: string): value is KeyType {
  return (KEY_TYPES as readonly string[]).includes(value);
}

export type Profile = 'root' | 'intermediate' | 'node' | 'client';

export function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  // Whole seconds: X.509 times have no fractions, and index.txt must match the certificate.
  const start = Math.floor((now.getTime() - NOT_BEFORE_BACKDATE_MS) / 1000) * 1000;
  const end = Math.floor((now.getTime() + days * DAY_MS) / 1000) * 1000;
  return { notBefore: new Date(start), notAfter: new Date(end) };
}
