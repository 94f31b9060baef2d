// Password-based encryption for PKCS#12: the RFC 7292 appendix B KDF, PBES2 (RFC 8018) and the
// PKCS#12 3DES scheme. Encryption returns the AlgorithmIdentifier DER next to the ciphertext, and
// decryption reads the algorithm from a decoded AlgorithmIdentifier, so callers never see parameters.
import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { KeystoreError } from '../errors.js';
import {
  type DerNode,
  derNull,
  integer,
  octetString,
  oid,
  readInteger,
  readOctetString,
  readOid,
  sequence,
  sequenceOf,
  Tag,
  utf16be,
} from './der.js';
import { OID } from './oids.js';

export type HashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Input block size v of each hash, which the PKCS#12 KDF pads to. */
const HASH_BLOCK_BYTES: Record<HashName, number> = {
  sha1: 64,
  sha224: 64,
  sha256: 64,
  sha384: 128,
  sha512: 128,
};

/**
 * The largest iteration count we run, for key, certificate and MAC alike: Java's own bound
 * (OpenJDK sun.security.pkcs12.PKCS12KeyStore MAX_ITERATION_COUNT), so a store above it is one
 * HiveMQ could not load anyway; a hostile store with billions of iterations would keep us busy for hours.
 */
export const MAX_ITERATIONS = 5_000_000;

/** An iteration count read from a store, refused above MAX_ITERATIONS before any work is done. */
export function readIterations(node: DerNode | undefined, what: string): number {
  const count = readInteger(node, `${what} iteration count`);
  if (count > MAX_ITERATIONS) {
    throw new KeystoreError(
      `${what} iteration count ${count} is above ${MAX_ITERATIONS}, the most Java accepts`,
      {
        hint: 'rewrite the store with a sane iteration count (OpenSSL and keytool defaults are 2048 and 10000)',
      },
    );
  }
  return count;
}

/** RFC 7292 appendix B.3 "diversifier" IDs. */
export const KdfPurpose = { key: 1, iv: 2, mac: 3 } as const;

/** PKCS#12 KDF passwords are BMPString bytes plus a two-byte NUL terminator (RFC 7292 B.1). */
export function pkcs12PasswordBytes(password: string): Uint8Array {
  return Buffer.concat([utf16be(password), Buffer.alloc(2)]);
}

/** RFC 7292 appendix B.2. */
export function pkcs12Kdf(
  hash: HashName,
  password: string,
  salt: Uint8Array,
  iterations: number,
  id: number,
  length: number,
): Buffer {
  const v = HASH_BLOCK_BYTES[hash];
  const fill = (source: Uint8Array): Buffer => {
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length] as number;
    return out;
  };
  const diversifier = Buffer.alloc(v, id);
  const input = Buffer.concat([fill(salt), fill(pkcs12PasswordBytes(password))]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; ) {
    let a = createHash(hash).update(diversifier).update(input).digest();
    for (let r = 1; r < iterations; r++) a = createHash(hash).update(a).digest();
    blocks.push(a);
    produced += a.length;
    // I_j = (I_j + B + 1) mod 2^(8v), where B is A repeated to v bytes.
    const b = fill(a);
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (input[j + k] as number) + (b[k] as number) + carry;
        input[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

// ---- encryption ---------------------------------------------------------------------------

export interface Encrypted {
  /** DER AlgorithmIdentifier naming the scheme and its parameters. */
  algorithm: Uint8Array;
  ciphertext: Uint8Array;
}

/** A PBKDF2-HMAC-SHA256 key for AES-256, with the parameters that made it. */
export interface Pbes2Key {
  key: Uint8Array;
  salt: Uint8Array;
  iterations: number;
}

/** The password enters PBKDF2 as UTF-8, as OpenSSL and Java do; a fresh salt of `salt` bytes, or the one given. */
export function derivePbes2Key(password: string, iterations: number, salt: number | Uint8Array): Pbes2Key {
  if (typeof salt === 'number') salt = randomBytes(salt);
  return { key: pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256'), salt, iterations };
}

/** PBES2 (RFC 8018 6.2) with PBKDF2-HMAC-SHA256 and AES-256-CBC under a key derived before; a fresh IV each time. */
export function encryptPbes2Aes256WithKey(plaintext: Uint8Array, derived: Pbes2Key): Encrypted {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', derived.key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const kdf = sequence(
    oid(OID.pbkdf2),
    sequence(
      octetString(derived.salt),
      integer(derived.iterations),
      sequence(oid(OID.hmacWithSha256), derNull()),
    ),
  );
  const algorithm = sequence(oid(OID.pbes2), sequence(kdf, sequence(oid(OID.aes256Cbc), octetString(iv))));
  return { algorithm, ciphertext };
}

/** PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC. */
export function encryptPbes2Aes256(
  plaintext: Uint8Array,
  password: string,
  iterations: number,
  saltBytes: number,
): Encrypted {
  return encryptPbes2Aes256WithKey(plaintext, derivePbes2Key(password, iterations, saltBytes));
}

/** pbeWithSHAAnd3-KeyTripleDES-CBC: key and IV both come from the SHA-1 PKCS#12 KDF. */
export function encryptPkcs12TripleDes(
  plaintext: Uint8Array,
  password: string,
  iterations: number,
  saltBytes: number,
): Encrypted {
  const salt = randomBytes(saltBytes);
  const key = pkcs12Kdf('sha1', password, salt, iterations, KdfPurpose.key, 24);
  const iv = pkcs12Kdf('sha1', password, salt, iterations, KdfPurpose.iv, 8);
  const cipher = createCipheriv('des-ede3-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const algorithm = sequence(
    oid(OID.pbeWithSha1And3DesCbc),
    sequence(octetString(salt), integer(iterations)),
  );
  return { algorithm, ciphertext };
}

// ---- decryption ---------------------------------------------------------------------------

const PRF_HASH: Record<string, HashName> = {
  [OID.hmacWithSha1]: 'sha1',
  [OID.hmacWithSha224]: 'sha224',
  [OID.hmacWithSha256]: 'sha256',
  [OID.hmacWithSha384]: 'sha384',
  [OID.hmacWithSha512]: 'sha512',
};

const PBES2_CIPHERS: Record<string, { name: string; keyBytes: number }> = {
  [OID.aes128Cbc]: { name: 'aes-128-cbc', keyBytes: 16 },
  [OID.aes192Cbc]: { name: 'aes-192-cbc', keyBytes: 24 },
  [OID.aes256Cbc]: { name: 'aes-256-cbc', keyBytes: 32 },
  [OID.desEde3Cbc]: { name: 'des-ede3-cbc', keyBytes: 24 },
};

function unsupported(what: string): KeystoreError {
  return new KeystoreError(`unsupported keystore encryption: ${what}`, {
    hint: 'rewrite the store with OpenSSL 3 defaults or keytool -importkeystore, then retry',
  });
}

export function runDecipher(name: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const decipher = createDecipheriv(name, key, iv);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

export interface Pbes2Parameters {
  salt: Uint8Array;
  iterations: number;
  hash: HashName;
  cipher: { name: string; keyBytes: number };
  iv: Uint8Array;
}

/** PBES2-params (RFC 8018 A.4): the PBKDF2 salt, count and PRF, and the cipher with its IV. */
export function pbes2Parameters(params: DerNode | undefined): Pbes2Parameters {
  const [kdfAlg, encAlg] = sequenceOf(params, 'PBES2 parameters');
  const [kdfOid, kdfParams] = sequenceOf(kdfAlg, 'PBES2 key derivation');
  if (readOid(kdfOid) !== OID.pbkdf2) throw unsupported(`PBES2 key derivation ${readOid(kdfOid)}`);
  const [salt, iterations, ...optional] = sequenceOf(kdfParams, 'PBKDF2 parameters');
  // keyLength (INTEGER) is optional and precedes the optional prf (SEQUENCE, default hmacWithSHA1).
  const prfNode = optional.find((node) => node.tag === Tag.sequence);
  const prfOid = prfNode ? readOid(sequenceOf(prfNode, 'PBKDF2 prf')[0]) : OID.hmacWithSha1;
  const hash = PRF_HASH[prfOid];
  if (!hash) throw unsupported(`PBKDF2 prf ${prfOid}`);
  const [cipherOid, ivNode] = sequenceOf(encAlg, 'PBES2 encryption scheme');
  const cipher = PBES2_CIPHERS[readOid(cipherOid)];
  if (!cipher) throw unsupported(`PBES2 cipher ${readOid(cipherOid)}`);
  return {
    salt: readOctetString(salt, 'PBKDF2 salt'),
    iterations: readIterations(iterations, 'PBKDF2'),
    hash,
    cipher,
    iv: readOctetString(ivNode, 'PBES2 IV'),
  };
}

/**
 * Decrypts `data` with the scheme named by the AlgorithmIdentifier `algorithm`.
 * Throws whatever the cipher throws on a bad pad: callers turn that into a password error.
 */
export function decryptWithAlgorithm(algorithm: DerNode, data: Uint8Array, password: string): Buffer {
  const [algOid, params] = sequenceOf(algorithm, 'AlgorithmIdentifier');
  const scheme = readOid(algOid, 'encryption algorithm');
  if (scheme === OID.pbeWithSha1And3DesCbc) {
    const [salt, iterations] = sequenceOf(params, 'PBE parameters');
    const saltBytes = readOctetString(salt, 'PBE salt');
    const count = readIterations(iterations, 'PKCS#12 PBE');
    const key = pkcs12Kdf('sha1', password, saltBytes, count, KdfPurpose.key, 24);
    const iv = pkcs12Kdf('sha1', password, saltBytes, count, KdfPurpose.iv, 8);
    return runDecipher('des-ede3-cbc', key, iv, data);
  }
  if (scheme === OID.pbes2) {
    const p = pbes2Parameters(params);
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), p.salt, p.iterations, p.cipher.keyBytes, p.hash);
    return runDecipher(p.cipher.name, key, p.iv, data);
  }
  if (scheme === OID.pbeWithSha1And40BitRc2Cbc) {
    throw unsupported('pbeWithSHA1And40BitRC2-CBC (needs OpenSSL legacy provider)');
  }
  throw unsupported(scheme);
}

/** Digest OID → hash name for the PKCS#12 MAC. */
export const DIGEST_HASH: Record<string, HashName> = {
  [OID.sha1]: 'sha1',
  [OID.sha224]: 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
