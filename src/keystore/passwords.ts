// The passwords of one keystore + truststore pair, as one value. Built once by storePasswords, which
// applies Java's PKCS#12 rule; revealed only where bytes are encoded or decoded and where config.xml
// is written.
import { KeystoreError } from '../errors.js';
import type { Secret } from '../secret.js';
import { checkPkcs12Password } from './pkcs12.js';
import type { KeystoreFormat } from './types.js';

export interface StorePasswords {
  readonly keystore: Secret;
  /** The private-key entry's password. For PKCS#12 it is the keystore password itself. */
  readonly key: Secret;
  readonly truststore: Secret;
}

/**
 * Java's PKCS12 KeyStore decrypts a key entry with the store password (JDK PKCS12KeyStore; HiveMQ
 * loads it as "JKS", which Java 9+ reads as PKCS#12 too), so a PKCS#12 keystore has one password.
 * The key and truststore passwords default to the keystore password, as in the article.
 */
export function storePasswords(
  format: KeystoreFormat,
  given: { keystore: Secret; key?: Secret; truststore?: Secret },
): StorePasswords {
  if (format === 'pkcs12' && given.key && given.key.reveal() !== given.keystore.reveal()) {
    throw new KeystoreError(
      'a PKCS#12 keystore has one password: the private-key password must equal the keystore password',
      { hint: 'drop the private-key password, or use the JKS format' },
    );
  }
  if (format === 'pkcs12') {
    // Here, not only when the bytes are made: a certificate must not be issued for a store that cannot be written.
    checkPkcs12Password(given.keystore.reveal());
    if (given.truststore) checkPkcs12Password(given.truststore.reveal());
  }
  return {
    keystore: given.keystore,
    key: format === 'pkcs12' ? given.keystore : (given.key ?? given.keystore),
    truststore: given.truststore ?? given.keystore,
  };
}
