// What a node's keystore and truststore hold, read from their bytes with the inventory's passwords.
// A store is read by its content, never by its name (keystore/detect.ts): Java 17's keytool writes
// PKCS#12 into the article's `hivemq-keystore.jks`, and HiveMQ loads it.
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { type DecodedKeystore, decodeKeystore, type StorePasswords } from '../keystore/index.js';
import { keyTypeOf } from '../pki/keys.js';
import { sansFromText } from '../pki/san.js';
import type { DeployedCertificate, KeystoreFact, TrustAnchor, TruststoreFact } from '../plan/types.js';
import type { Secret } from '../secret.js';

/** The byte edge of reading: the password is revealed here, where the store is decoded. */
function decode(bytes: Uint8Array, password: Secret): DecodedKeystore {
  return decodeKeystore(bytes, password.reveal());
}

export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

export function describeCertificate(der: Uint8Array, intermediate: X509Certificate): DeployedCertificate {
  const cert = new X509Certificate(der);
  return {
    serial: cert.serialNumber.toUpperCase(),
    sans: sansFromText(cert.subjectAltName),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    keyType: keyTypeOf(cert.publicKey),
    issuedByCa: cert.checkIssued(intermediate) && cert.verify(intermediate.publicKey),
  };
}

/**
 * The keystore's certificate, and whether HiveMQ could use it with the inventory's passwords. The
 * key is decrypted as the detected format has it: a JKS key entry with the private-key password; a
 * PKCS#12 key with the store password, the one password such a file has (keytool ignores
 * -destkeypass for PKCS12), so HiveMQ, which hands private-key-password to the KeyManagerFactory
 * (CE SslUtil.createKeyManagerFactory), opens it only when both passwords are the same.
 */
export function readKeystoreFact(
  bytes: Uint8Array | undefined,
  passwords: StorePasswords,
  intermediate: X509Certificate,
): KeystoreFact {
  if (!bytes) return { exists: false, opens: false };
  let store: DecodedKeystore;
  try {
    store = decode(bytes, passwords.keystore);
  } catch (error) {
    return { exists: true, opens: false, problem: (error as Error).message };
  }
  const { format } = store;
  const entry = store.entries.find((e) => e.kind === 'private-key');
  if (entry?.kind !== 'private-key' || !entry.chain[0])
    return { exists: true, opens: true, format, problem: 'it holds no private key entry' };
  const leaf = entry.chain[0];
  const certificate = describeCertificate(leaf, intermediate);
  if (format === 'pkcs12' && passwords.key.reveal() !== passwords.keystore.reveal())
    return {
      exists: true,
      opens: false,
      format,
      certificate,
      problem:
        'it is a PKCS#12 keystore, whose key has the store password, and the inventory gives the key another password (tls.keystore.keyPassword)',
    };
  try {
    const key = entry.decryptKey((format === 'pkcs12' ? passwords.keystore : passwords.key).reveal());
    const matches =
      spki(createPublicKey(createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8' }))) ===
      spki(new X509Certificate(leaf).publicKey);
    if (!matches)
      return {
        exists: true,
        opens: true,
        format,
        certificate,
        problem: 'its key does not match its certificate',
      };
    return { exists: true, opens: true, format, certificate };
  } catch (error) {
    return { exists: true, opens: false, format, certificate, problem: (error as Error).message };
  }
}

/**
 * What the truststore makes HiveMQ trust, as Java reads it: every trusted-certificate entry, and the
 * certificate of every key entry (JDK TrustStoreUtil.getTrustedCerts, which the X509TrustManager
 * behind HiveMQ's TrustManagerFactory uses), as in the article's mqtt-client-truststore.jks, which
 * holds the client's key entry beside the intermediate.
 */
export function readTruststoreFact(bytes: Uint8Array | undefined, password: Secret): TruststoreFact {
  if (!bytes) return { exists: false, opens: false, certificates: [], anchors: [], keyEntries: 0 };
  try {
    const store = decode(bytes, password);
    const anchors = store.entries.flatMap((e): TrustAnchor[] => {
      const der = e.kind === 'trusted-cert' ? e.certificate : e.chain[0];
      return der ? [anchor(der)] : [];
    });
    return {
      exists: true,
      opens: true,
      format: store.format,
      certificates: anchors.map((a) => a.fingerprint),
      anchors,
      keyEntries: store.entries.filter((e) => e.kind === 'private-key').length,
    };
  } catch (error) {
    return {
      exists: true,
      opens: false,
      certificates: [],
      anchors: [],
      keyEntries: 0,
      problem: (error as Error).message,
    };
  }
}

function anchor(der: Uint8Array): TrustAnchor {
  const cert = new X509Certificate(der);
  return { fingerprint: sha256Hex(der), subject: cert.subject.split('\n').join(', '), der };
}

function spki(key: ReturnType<typeof createPublicKey>): string {
  return key.export({ type: 'spki', format: 'der' }).toString('hex');
}
