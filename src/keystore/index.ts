// Keystores as bytes: JKS and PKCS#12 encode/decode. No files, no password sources: callers pass
// passwords as strings at the point of use and write the bytes wherever they belong.
import { KeystoreError } from '../errors.js';
import { encodeJks } from './jks.js';
import { encodePkcs12 } from './pkcs12.js';
import type { KeystoreEntry, KeystoreFormat, Pkcs12Profile } from './types.js';

export { decodeJks, encodeJks, type JksOptions } from './jks.js';
export { decodePkcs12, encodePkcs12, type Pkcs12Options } from './pkcs12.js';
export type {
  DecodedKeystore,
  DecodedKeystoreEntry,
  DecodedPrivateKeyEntry,
  DecodedTrustedCertEntry,
  KeystoreEntry,
  KeystoreFormat,
  Pkcs12Profile,
  PrivateKeyEntry,
  TrustedCertEntry,
} from './types.js';

export interface KeystoreOptions {
  storePassword: string;
  /** JKS only; for PKCS#12 it must be absent or equal to storePassword. */
  keyPassword?: string;
  /** PKCS#12 only; default 'modern'. */
  profile?: Pkcs12Profile;
  /** JKS entry timestamps; default now. */
  now?: Date;
}

/** One entry point: format chosen by the caller. */
export function encodeKeystore(
  format: KeystoreFormat,
  entries: KeystoreEntry[],
  opts: KeystoreOptions,
): Uint8Array {
  if (format === 'jks') {
    return encodeJks(entries, {
      storePassword: opts.storePassword,
      keyPassword: opts.keyPassword,
      now: opts.now,
    });
  }
  if (opts.keyPassword !== undefined && opts.keyPassword !== opts.storePassword) {
    // Java's PKCS12 KeyStore decrypts keys with the store password when HiveMQ loads it.
    throw new KeystoreError(
      'a PKCS#12 keystore cannot have a key password different from its store password',
      {
        hint: 'drop the key password, set it equal to the store password, or use format: jks',
      },
    );
  }
  return encodePkcs12(entries, { password: opts.storePassword, profile: opts.profile });
}
