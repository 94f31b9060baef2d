// Key pairs from Node's native crypto, and their encrypted PEM form at rest.
import { createPrivateKey, generateKeyPair, type KeyObject, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import type { Secret } from '../secret.js';
import type { KeyType } from './profiles.js';

const generate = promisify(generateKeyPair);

/** PEM encryption of keys at rest: the article's `genrsa -aes256`, in PKCS#8 form that openssl reads. */
const PEM_CIPHER = 'aes-256-cbc';

export interface KeyPair {
  type: KeyType;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Runs on libuv's thread pool, so several calls in flight use every core. */
export async function generateKey(type: KeyType): Promise<KeyPair> {
  const pair =
    type === 'ecdsa-p256' || type === 'ecdsa-p384'
      ? await generate('ec', { namedCurve: type === 'ecdsa-p256' ? 'P-256' : 'P-384' })
      : await generate('rsa', { modulusLength: Number(type.slice(4)), publicExponent: 0x10001 });
  return { type, ...pair };
}

export function keyTypeOf(key: KeyObject): KeyType | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    const type = `rsa-${details?.modulusLength}`;
    return ['rsa-2048', 'rsa-3072', 'rsa-4096'].includes(type) ? (type as KeyType) : undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details?.namedCurve === 'prime256v1') return 'ecdsa-p256';
    if (details?.namedCurve === 'secp384r1') return 'ecdsa-p384';
  }
  return undefined;
}

/** Human-readable key description for `ca show`: "RSA 4096", "EC P-256". */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${details?.modulusLength}`;
  if (key.asymmetricKeyType === 'ec') return `EC ${details?.namedCurve}`;
  return key.asymmetricKeyType ?? 'unknown';
}

export function encryptPrivateKeyPem(key: KeyObject, password: Secret): string {
  return key.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: PEM_CIPHER,
    passphrase: password.reveal(),
  }) as string;
}

export function plainPrivateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function privateKeyPkcs8(key: KeyObject): Uint8Array {
  return key.export({ type: 'pkcs8', format: 'der' });
}

/**
 * Whether a PEM private key is encrypted: PKCS#8's "ENCRYPTED PRIVATE KEY" (RFC 5958) or a
 * traditional OpenSSL PEM whose headers say "Proc-Type: 4,ENCRYPTED" (RFC 1421), as `genrsa -aes256` writes.
 */
export function isEncryptedPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) || /^Proc-Type:\s*4,\s*ENCRYPTED\s*$/m.test(pem);
}

/** Throws whatever OpenSSL says; callers turn it into an error that names the file. */
export function decryptPrivateKeyPem(pem: string, password: Secret): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem', passphrase: password.reveal() });
}

/** The WebCrypto algorithm a key signs or is described with; CA keys sign with SHA-256, as the article's -md sha256. */
export function webCryptoAlgorithm(
  key: KeyObject,
): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
    return { name: 'ECDSA', namedCurve: curve };
  }
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

export async function toCryptoKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const algorithm = webCryptoAlgorithm(key);
  if (key.type === 'private') {
    return webcrypto.subtle.importKey('pkcs8', privateKeyPkcs8(key), algorithm, false, ['sign']);
  }
  const spki = key.export({ type: 'spki', format: 'der' });
  return webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']);
}
