// Key pairs from Node's native crypto, and their encrypted PEM form at rest.
import { createPrivateKey, generateKeyPair, type KeyObject, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { decode, octetString, readOctetString, readOid, sequence, sequenceOf } from '../keystore/der.js';
import { OID } from '../keystore/oids.js';
import {
  derivePbes2Key,
  encryptPbes2Aes256WithKey,
  type Pbes2Key,
  pbes2Parameters,
  runDecipher,
} from '../keystore/pbe.js';
import type { Secret } from '../secret.js';
import type { KeyType } from './profiles.js';

const generate = promisify(generateKeyPair);

/**
 * PBKDF2-HMAC-SHA256 iterations for keys at rest (OWASP Password Storage Cheat Sheet, 2023, for
 * this PRF). OpenSSL's own PKCS#8 default is 2048 (PKCS5_DEFAULT_ITER), about 300 times cheaper to
 * guess against. Every key encrypted with the CA password gets it: the weakest file would give the
 * password away for all. OpenSSL reads any count; scrypt would be stronger, but LibreSSL and Java
 * cannot read it, and OpenSSL caps it at 32 MiB of memory when reading.
 */
export const KEY_AT_REST_ITERATIONS = 600_000;
const SALT_BYTES = 16;

/**
 * One derivation per password: files written with one Secret share a salt and the derived key,
 * and each gets a random IV. A guess still costs an attacker the full PBKDF2, while issuing twenty
 * leaves costs one derivation (~0.2 s), not twenty. The salt is fresh per process, or the one of
 * the first key file of ours this process opened with the password (the intermediate key, when
 * issuing): opening the CA and storing the new leaf's key then cost one derivation, not two.
 */
const derivedKeys = new WeakMap<Secret, Pbes2Key>();

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

/**
 * PKCS#8 EncryptedPrivateKeyInfo (RFC 5958) with PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC, the
 * scheme `openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256` writes, with our iteration count.
 */
export function encryptPrivateKeyPem(key: KeyObject, password: Secret): string {
  let derived = derivedKeys.get(password);
  if (!derived) {
    derived = derivePbes2Key(password.reveal(), KEY_AT_REST_ITERATIONS, SALT_BYTES);
    derivedKeys.set(password, derived);
  }
  const { algorithm, ciphertext } = encryptPbes2Aes256WithKey(privateKeyPkcs8(key), derived);
  const der = Buffer.from(sequence(algorithm, octetString(ciphertext)));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${lines.join('\n')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
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

/**
 * Throws whatever OpenSSL (or the cipher) says; callers turn it into an error that names the file.
 * A file in our own scheme (PBES2, PBKDF2-HMAC-SHA256 at our count or more, AES-256-CBC) is
 * decrypted here, so the derived key can serve the next files; any other goes to OpenSSL.
 */
export function decryptPrivateKeyPem(pem: string, password: Secret): KeyObject {
  const own = ownScheme(pem);
  if (!own) return createPrivateKey({ key: pem, format: 'pem', passphrase: password.reveal() });
  const cached = derivedKeys.get(password);
  const reuse = cached && cached.iterations === own.iterations && Buffer.from(cached.salt).equals(own.salt);
  const derived = reuse ? cached : derivePbes2Key(password.reveal(), own.iterations, own.salt);
  const key = createPrivateKey({
    key: runDecipher('aes-256-cbc', derived.key, own.iv, own.ciphertext),
    format: 'der',
    type: 'pkcs8',
  });
  if (!cached) derivedKeys.set(password, derived); // only once it opened a key: a right password
  return key;
}

interface OwnScheme {
  salt: Uint8Array;
  iterations: number;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

/** EncryptedPrivateKeyInfo (RFC 5958 3) in the scheme encryptPrivateKeyPem writes, else undefined. */
function ownScheme(pem: string): OwnScheme | undefined {
  const body =
    /^-----BEGIN ENCRYPTED PRIVATE KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END ENCRYPTED PRIVATE KEY-----\s*$/.exec(
      `${pem.trim()}\n`,
    );
  if (!body?.[1]) return undefined;
  try {
    const [algorithm, data] = sequenceOf(decode(Buffer.from(body[1], 'base64')), 'EncryptedPrivateKeyInfo');
    const [scheme, params] = sequenceOf(algorithm, 'AlgorithmIdentifier');
    if (readOid(scheme) !== OID.pbes2) return undefined;
    const p = pbes2Parameters(params);
    const ours = p.hash === 'sha256' && p.cipher.name === 'aes-256-cbc' && p.iv.length === 16;
    if (!ours || p.iterations < KEY_AT_REST_ITERATIONS) {
      return undefined;
    }
    return { salt: p.salt, iterations: p.iterations, iv: p.iv, ciphertext: readOctetString(data) };
  } catch {
    return undefined; // not ours, or not DER at all: OpenSSL reads it, or says why not
  }
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
