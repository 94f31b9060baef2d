// What a store file is, read from its bytes, never from its name. Java 9+ keytool writes PKCS#12
// unless told `-deststoretype JKS` (JEP 229), whatever the file is called, and HiveMQ loads it
// anyway (Java's "JKS" KeyStore reads PKCS#12 too, keystore.type.compat=true). A fleet set up by
// hand with the article's `hivemq-keystore.jks` on Java 17 therefore holds PKCS#12 bytes.
import { KeystoreError } from '../errors.js';
import { readElement, Tag } from './der.js';
import { decodeJks } from './jks.js';
import { decodePkcs12 } from './pkcs12.js';
import type { DecodedKeystore, KeystoreFormat } from './types.js';

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
const PFX_VERSION = 3; // RFC 7292 §4: PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe, macData }

export type DetectedFormat = KeystoreFormat | 'jceks' | 'unknown';

/**
 * The store's format from its first bytes: JKS and JCEKS by their magic number, PKCS#12 by its DER
 * shape (a definite-length SEQUENCE that spans the whole file and starts with INTEGER 3).
 */
export function detectKeystoreFormat(bytes: Uint8Array): DetectedFormat {
  if (bytes.length >= 4) {
    const magic = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(0);
    if (magic === JKS_MAGIC) return 'jks';
    if (magic === JCEKS_MAGIC) return 'jceks';
  }
  if (bytes[0] !== Tag.sequence) return 'unknown';
  try {
    const { node, end } = readElement(bytes, 0);
    if (end !== bytes.length) return 'unknown';
    const version = readElement(node.content, 0).node;
    return version.tag === Tag.integer && version.content.length === 1 && version.content[0] === PFX_VERSION
      ? 'pkcs12'
      : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Decodes a JKS or PKCS#12 store, whichever its bytes are. The result's `format` says which, and
 * decides how its key is decrypted: PKCS#12 with the store password (what Java does), JKS with
 * the key password.
 */
export function decodeKeystore(bytes: Uint8Array, storePassword: string): DecodedKeystore {
  const format = detectKeystoreFormat(bytes);
  switch (format) {
    case 'jks':
      return decodeJks(bytes, storePassword);
    case 'pkcs12':
      return decodePkcs12(bytes, storePassword);
    case 'jceks':
      throw new KeystoreError('the store is a JCEKS keystore, which deploy-tls does not read', {
        hint: 'convert it: keytool -importkeystore -srcstoretype JCEKS -deststoretype PKCS12',
      });
    case 'unknown':
      throw new KeystoreError('the file is neither a JKS nor a PKCS#12 keystore', {
        hint: 'check the path; a PEM file must be converted to a keystore first',
      });
  }
}
