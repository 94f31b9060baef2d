// Certificate profiles: the article's openssl settings, corrected where Java needs it.
import { InputError } from '../errors.js';

const DAY_MS = 86_400_000;

export const ROOT_DAYS = 3652; // the article's `openssl req -x509 -days 3652`
export const INTERMEDIATE_DAYS = 3650; // the article's `openssl ca -extensions v3_intermediate_ca -days 3650`
export const LEAF_DAYS = 365; // the article's server certificate `openssl ca -days 365`
export const CLIENT_DAYS = 375; // the article's client certificate: a year plus a few days' grace
/**
 * The longest leaf we issue: a fresh intermediate's lifetime. A path is valid only while every
 * certificate in it is (RFC 5280 6.1.3 (a)(2)), so a leaf outliving its issuer gains nothing.
 */
export const MAX_LEAF_DAYS = INTERMEDIATE_DAYS;

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

/**
 * The validity of a leaf of `days` days issued now by an intermediate valid until `issuerNotAfter`.
 * Refuses a lifetime that is no whole number in 1..MAX_LEAF_DAYS, or that outlives the issuer.
 */
export function leafValidity(
  now: Date,
  days: number,
  issuerNotAfter: Date,
): { notBefore: Date; notAfter: Date } {
  const lifetime = () =>
    new InputError(`${days} days is not a certificate lifetime`, {
      hint: `give a whole number of days from 1 to ${MAX_LEAF_DAYS}`,
    });
  if (!Number.isInteger(days) || days < 1) throw lifetime();
  const until = issuerNotAfter.toISOString().slice(0, 10);
  const allowed = Math.min(MAX_LEAF_DAYS, Math.floor((issuerNotAfter.getTime() - now.getTime()) / DAY_MS));
  if (allowed < 1) {
    throw new InputError(`the issuing intermediate CA expires ${until}: it can issue no certificate now`, {
      hint: 'replace it first: deploy-tls ca rollover',
    });
  }
  // Plain arithmetic, not validity(): a huge `days` is no Date at all.
  const end = Math.floor((now.getTime() + days * DAY_MS) / 1000) * 1000;
  if (end > issuerNotAfter.getTime()) {
    const over = Math.ceil((end - issuerNotAfter.getTime()) / DAY_MS);
    throw new InputError(
      `a certificate of ${days} days would outlive the issuing intermediate CA (valid until ${until}) by ${over} day${over === 1 ? '' : 's'}`,
      { hint: `ask for at most ${allowed} days, or replace the intermediate first (deploy-tls ca rollover)` },
    );
  }
  if (days > MAX_LEAF_DAYS) throw lifetime();
  return validity(now, days);
}
