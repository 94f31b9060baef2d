// Keystores as bytes: JKS and PKCS#12 encode/decode. No files, no password sources: callers pass
// the passwords as one StorePasswords value, revealed here where the bytes are made, and write the
// bytes wherever they belong.
import { encodeJks } from './jks.js';
import type { StorePasswords } from './passwords.js';
import { encodePkcs12 } from './pkcs12.js';
import type { KeystoreFormat, Pkcs12Profile, PrivateKeyEntry, TrustedCertEntry } from './types.js';

export { type DetectedFormat, decodeKeystore, detectKeystoreFormat } from './detect.js';
export { decodeJks, encodeJks, type JksOptions } from './jks.js';
export { type StorePasswords, storePasswords } from './passwords.js';
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

export interface EncodeOptions {
  /** PKCS#12 only; default 'modern'. */
  profile?: Pkcs12Profile;
  /** JKS entry timestamps; default now. */
  now?: Date;
}

/** A keystore holding one private-key entry, protected by the keystore and key passwords. */
export function encodeKeyStore(
  format: KeystoreFormat,
  entry: PrivateKeyEntry,
  passwords: StorePasswords,
  options: EncodeOptions = {},
): Uint8Array {
  if (format === 'jks') {
    return encodeJks([entry], {
      storePassword: passwords.keystore.reveal(),
      keyPassword: passwords.key.reveal(),
      now: options.now,
    });
  }
  // storePasswords made the key password the keystore password: PKCS#12 has one.
  return encodePkcs12([entry], { password: passwords.keystore.reveal(), profile: options.profile });
}

/** A truststore: trusted certificates only, protected by the truststore password. */
export function encodeTrustStore(
  format: KeystoreFormat,
  entries: readonly TrustedCertEntry[],
  passwords: StorePasswords,
  options: EncodeOptions = {},
): Uint8Array {
  const password = passwords.truststore.reveal();
  return format === 'jks'
    ? encodeJks([...entries], { storePassword: password, now: options.now })
    : encodePkcs12([...entries], { password, profile: options.profile });
}
