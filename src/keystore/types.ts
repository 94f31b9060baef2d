// The shapes keystore code trades in. Certificates and keys are DER bytes; nothing here is a file.

export interface PrivateKeyEntry {
  kind: 'private-key';
  alias: string;
  /** Unencrypted PKCS#8 PrivateKeyInfo DER (RSA or EC). */
  privateKeyPkcs8: Uint8Array;
  /** DER certificates, leaf first. */
  chain: Uint8Array[];
}

export interface TrustedCertEntry {
  kind: 'trusted-cert';
  alias: string;
  /** DER certificate. */
  certificate: Uint8Array;
}

export type KeystoreEntry = PrivateKeyEntry | TrustedCertEntry;
export type KeystoreFormat = 'jks' | 'pkcs12';
export type Pkcs12Profile = 'modern' | 'legacy';

/** A key entry as read from a store: the chain is readable at once, the key only with its password. */
export interface DecodedPrivateKeyEntry {
  kind: 'private-key';
  alias: string;
  chain: Uint8Array[];
  /** JKS only: when the entry was written. */
  createdAt?: Date;
  /** Returns the PKCS#8 DER; throws KeystoreError if the password is wrong. For PKCS#12 it is the store password. */
  decryptKey(keyPassword: string): Uint8Array;
}

export interface DecodedTrustedCertEntry {
  kind: 'trusted-cert';
  alias: string;
  certificate: Uint8Array;
  createdAt?: Date;
}

export type DecodedKeystoreEntry = DecodedPrivateKeyEntry | DecodedTrustedCertEntry;

/**
 * A store whose integrity was checked with the store password. Entries keep the store's order.
 * For PKCS#12, certificates that belong to no key's chain (or that Java marked trusted) are listed as
 * trusted-cert entries; their alias is the friendlyName, or the bag's 1-based position if it has none.
 */
export interface DecodedKeystore {
  format: KeystoreFormat;
  entries: DecodedKeystoreEntry[];
}
