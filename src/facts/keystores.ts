// What a node's keystore and truststore hold, read from their bytes with the inventory's passwords.
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import {
  type DecodedKeystore,
  decodeJks,
  decodePkcs12,
  type KeystoreFormat,
  type StorePasswords,
} from '../keystore/index.js';
import { keyTypeOf } from '../pki/keys.js';
import { sansFromText } from '../pki/san.js';
import type { DeployedCertificate, KeystoreFact, TruststoreFact } from '../plan/types.js';
import type { Secret } from '../secret.js';

/** The byte edge of reading: the password is revealed here, where the store is decoded. */
function decode(format: KeystoreFormat, bytes: Uint8Array, password: Secret): DecodedKeystore {
  return format === 'jks' ? decodeJks(bytes, password.reveal()) : decodePkcs12(bytes, password.reveal());
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

export function readKeystoreFact(
  bytes: Uint8Array | undefined,
  format: KeystoreFormat,
  passwords: StorePasswords,
  intermediate: X509Certificate,
): KeystoreFact {
  if (!bytes) return { exists: false, opens: false };
  try {
    const store = decode(format, bytes, passwords.keystore);
    const entry = store.entries.find((e) => e.kind === 'private-key');
    if (entry?.kind !== 'private-key' || !entry.chain[0]) {
      return { exists: true, opens: true, problem: 'it holds no private key entry' };
    }
    const key = entry.decryptKey(passwords.key.reveal());
    const leaf = entry.chain[0];
    const certificate = describeCertificate(leaf, intermediate);
    const matches =
      spki(createPublicKey(createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8' }))) ===
      spki(new X509Certificate(leaf).publicKey);
    if (!matches)
      return { exists: true, opens: true, certificate, problem: 'its key does not match its certificate' };
    return { exists: true, opens: true, certificate };
  } catch (error) {
    return { exists: true, opens: false, problem: (error as Error).message };
  }
}

export function readTruststoreFact(
  bytes: Uint8Array | undefined,
  format: KeystoreFormat,
  password: Secret,
): TruststoreFact {
  if (!bytes) return { exists: false, opens: false, certificates: [] };
  try {
    const store = decode(format, bytes, password);
    const certificates = store.entries.flatMap((e) =>
      e.kind === 'trusted-cert' ? [sha256Hex(e.certificate)] : [],
    );
    return { exists: true, opens: true, certificates };
  } catch {
    return { exists: true, opens: false, certificates: [] };
  }
}

function spki(key: ReturnType<typeof createPublicKey>): string {
  return key.export({ type: 'spki', format: 'der' }).toString('hex');
}
