// Keys at rest: PKCS#8 encrypted with PBES2 (PBKDF2-HMAC-SHA256, high iteration count, AES-256-CBC),
// which OpenSSL (and so Node, openssl pkey, openssl ca) reads with the password alone.
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decode, readInteger, readOctetString, readOid, sequenceOf } from '../../../src/keystore/der.js';
import { OID } from '../../../src/keystore/oids.js';
import {
  decryptPrivateKeyPem,
  encryptPrivateKeyPem,
  generateKey,
  KEY_AT_REST_ITERATIONS,
  plainPrivateKeyPem,
} from '../../../src/pki/keys.js';
import { Secret } from '../../../src/secret.js';

function pbes2Parameters(pem: string) {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  const [algorithm] = sequenceOf(decode(der), 'EncryptedPrivateKeyInfo');
  const [scheme, params] = sequenceOf(algorithm, 'AlgorithmIdentifier');
  const [kdf, cipher] = sequenceOf(params, 'PBES2-params');
  const [kdfOid, kdfParams] = sequenceOf(kdf, 'KDF');
  const [salt, iterations, prf] = sequenceOf(kdfParams, 'PBKDF2-params');
  const [cipherOid, iv] = sequenceOf(cipher, 'cipher');
  return {
    scheme: readOid(scheme),
    kdf: readOid(kdfOid),
    salt: Buffer.from(readOctetString(salt)).toString('hex'),
    iterations: readInteger(iterations),
    prf: readOid(sequenceOf(prf, 'prf')[0]),
    cipher: readOid(cipherOid),
    iv: Buffer.from(readOctetString(iv)).toString('hex'),
  };
}

describe('keys at rest', { timeout: 60_000 }, () => {
  it(`use PBKDF2-HMAC-SHA256 with ${KEY_AT_REST_ITERATIONS} iterations and AES-256-CBC, and open with the password`, async () => {
    const password = new Secret('a-long-enough-password', 'test');
    const { privateKey } = await generateKey('ecdsa-p256');
    const pem = encryptPrivateKeyPem(privateKey, password);
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const params = pbes2Parameters(pem);
    expect(params).toMatchObject({
      scheme: OID.pbes2,
      kdf: OID.pbkdf2,
      iterations: KEY_AT_REST_ITERATIONS,
      prf: OID.hmacWithSha256,
      cipher: OID.aes256Cbc,
    });
    expect(KEY_AT_REST_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    const opened = createPrivateKey({ key: pem, format: 'pem', passphrase: password.reveal() });
    expect(opened.export({ type: 'pkcs8', format: 'der' })).toEqual(
      privateKey.export({ type: 'pkcs8', format: 'der' }),
    );
    expect(() => createPrivateKey({ key: pem, format: 'pem', passphrase: 'wrong' })).toThrow();
  });

  it('derive the key once per password, and still give every file its own IV', async () => {
    const password = new Secret('a-long-enough-password', 'test');
    const [a, b] = await Promise.all([generateKey('ecdsa-p256'), generateKey('ecdsa-p256')]);
    const first = pbes2Parameters(encryptPrivateKeyPem(a.privateKey, password));
    const second = pbes2Parameters(encryptPrivateKeyPem(b.privateKey, password));
    expect(second.salt).toBe(first.salt);
    expect(second.iv).not.toBe(first.iv);
    const other = pbes2Parameters(
      encryptPrivateKeyPem(a.privateKey, new Secret('another-password!', 'test')),
    );
    expect(other.salt).not.toBe(first.salt);
  });

  it('opening a key of ours lends its derivation to the next file, and a wrong password opens nothing', async () => {
    const [ca, leaf, other] = await Promise.all([
      generateKey('ecdsa-p256'),
      generateKey('ecdsa-p256'),
      generateKey('rsa-2048'),
    ]);
    const written = encryptPrivateKeyPem(ca.privateKey, new Secret('the-ca-password-1', 'earlier run'));
    // A later process: a new Secret with the same password opens the file, then stores a leaf key.
    const password = new Secret('the-ca-password-1', 'this run');
    const opened = decryptPrivateKeyPem(written, password);
    expect(plainPrivateKeyPem(opened)).toBe(plainPrivateKeyPem(ca.privateKey));
    const stored = encryptPrivateKeyPem(leaf.privateKey, password);
    expect(pbes2Parameters(stored).salt).toBe(pbes2Parameters(written).salt);
    expect(pbes2Parameters(stored).iv).not.toBe(pbes2Parameters(written).iv);
    // OpenSSL (through Node) reads what was stored with the password alone.
    const back = createPrivateKey({ key: stored, format: 'pem', passphrase: 'the-ca-password-1' });
    expect(plainPrivateKeyPem(back)).toBe(plainPrivateKeyPem(leaf.privateKey));

    const wrong = new Secret('not-the-ca-password', 'test');
    expect(() => decryptPrivateKeyPem(written, wrong)).toThrow();
    // The failed attempt lent nothing: a key stored with the wrong password gets a fresh salt.
    expect(pbes2Parameters(encryptPrivateKeyPem(leaf.privateKey, wrong)).salt).not.toBe(
      pbes2Parameters(written).salt,
    );
    // A key in another scheme (OpenSSL's own -aes256 with its default count) still opens, via OpenSSL.
    const openssl = other.privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'the-ca-password-1',
    }) as string;
    expect(plainPrivateKeyPem(decryptPrivateKeyPem(openssl, password))).toBe(
      plainPrivateKeyPem(other.privateKey),
    );
  });
});
