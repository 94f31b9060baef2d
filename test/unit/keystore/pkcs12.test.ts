import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeystoreError } from '../../../src/errors.js';
import {
  decode,
  derNull,
  integer,
  octetString,
  oid,
  raw,
  sequence,
  sequenceOf,
} from '../../../src/keystore/der.js';
import {
  decodeJks,
  decodePkcs12,
  encodeKeyStore,
  encodePkcs12,
  type KeystoreEntry,
  type Pkcs12Profile,
  type PrivateKeyEntry,
  storePasswords,
} from '../../../src/keystore/index.js';
import { OID } from '../../../src/keystore/oids.js';
import { decryptWithAlgorithm, pkcs12Kdf } from '../../../src/keystore/pbe.js';
import { Secret } from '../../../src/secret.js';
import { type Chain, makeChain, samePrivateKey } from './material.js';

const PASSWORD = `p12-${process.pid}`;

/** The KeystoreError `fn` throws (fails the test if it throws nothing or something else). */
function thrown(fn: () => unknown): KeystoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KeystoreError) return error;
    throw error;
  }
  throw new Error('expected a KeystoreError');
}

let dir: string;
let ec: Chain;
let keyEntry: PrivateKeyEntry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystore-p12-'));
  ec = await makeChain(dir, 'ecdsa-p256');
  keyEntry = { kind: 'private-key', alias: 'broker1', privateKeyPkcs8: ec.keyPkcs8, chain: ec.chain };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('PKCS#12 KDF (RFC 7292 appendix B)', () => {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

  it('matches the classic "smeg" vector (also in BouncyCastle PKCS12Test)', () => {
    // openssl kdf -keylen 24 -kdfopt digest:SHA1 -kdfopt hexpass:0073006d006500670000
    //   -kdfopt hexsalt:0a58cf64530d823f -kdfopt iter:1 -kdfopt id:1 PKCS12KDF
    const salt = Buffer.from('0a58cf64530d823f', 'hex');
    expect(hex(pkcs12Kdf('sha1', 'smeg', salt, 1, 1, 24))).toBe(
      '8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3',
    );
  });

  it('matches OpenSSL 3 for key, IV and MAC ids with a non-ASCII password', () => {
    // Vectors from `openssl kdf ... PKCS12KDF` with hexpass = BMPString("pässword1") || 0000,
    // hexsalt 0102030405060708, iter 2048.
    const salt = Buffer.from('0102030405060708', 'hex');
    expect(hex(pkcs12Kdf('sha1', 'pässword1', salt, 2048, 1, 24))).toBe(
      '9448da23584062aa455886004ee7b26712ac7655eb013502',
    );
    expect(hex(pkcs12Kdf('sha1', 'pässword1', salt, 2048, 2, 8))).toBe('1325e2c4f5394170');
    expect(hex(pkcs12Kdf('sha256', 'pässword1', salt, 2048, 3, 32))).toBe(
      'af2a7a40df135ec1c8b6983038dc43048e46a22ebf49f0ab8efa0c8a2dca7c1f',
    );
  });
});

describe.each<Pkcs12Profile>(['modern', 'legacy'])('PKCS#12 %s profile', (profile) => {
  it('round-trips a key with its chain (leaf first) and trusted certificates', () => {
    const entries: KeystoreEntry[] = [
      keyEntry,
      { kind: 'trusted-cert', alias: 'Root CA', certificate: ec.chain[2] },
    ];
    const store = decodePkcs12(encodePkcs12(entries, { password: PASSWORD, profile }), PASSWORD);
    expect(store.format).toBe('pkcs12');
    expect(store.entries.map((e) => [e.kind, e.alias])).toEqual([
      ['private-key', 'broker1'],
      ['trusted-cert', 'Root CA'], // PKCS#12 keeps the alias's case
    ]);
    const key = store.entries[0];
    if (key?.kind !== 'private-key') throw new Error('expected a key entry');
    expect(key.chain.map((c) => Buffer.from(c))).toEqual(ec.chain.map((c) => Buffer.from(c)));
    expect(samePrivateKey(key.decryptKey(PASSWORD), ec.keyPkcs8)).toBe(true);
  });

  it('verifies the MAC: a wrong password or a flipped byte is a KeystoreError', () => {
    const bytes = encodePkcs12([keyEntry], { password: PASSWORD, profile });
    expect(() => decodePkcs12(bytes, 'wrong')).toThrow(KeystoreError);
    expect(() => decodePkcs12(bytes, 'wrong')).toThrow(/wrong password/);
    const tampered = Uint8Array.from(bytes);
    tampered[200] = (tampered[200] as number) ^ 1;
    expect(() => decodePkcs12(tampered, PASSWORD)).toThrow(KeystoreError);
  });

  it('rejects a wrong key password on decryptKey', () => {
    const key = decodePkcs12(encodePkcs12([keyEntry], { password: PASSWORD, profile }), PASSWORD).entries[0];
    if (key?.kind !== 'private-key') throw new Error('expected a key entry');
    expect(() => key.decryptKey('wrong')).toThrow(KeystoreError);
  });

  it('writes a certs-only truststore', () => {
    const entries: KeystoreEntry[] = ec.chain.slice(1).map((certificate, i) => ({
      kind: 'trusted-cert',
      alias: `ca-${i}`,
      certificate,
    }));
    const store = decodePkcs12(encodePkcs12(entries, { password: PASSWORD, profile }), PASSWORD);
    expect(store.entries.map((e) => e.alias)).toEqual(['ca-0', 'ca-1']);
  });
});

// A keystore read from a node may be hostile: an iteration count in the billions would keep the
// process busy for hours. 6 million is just above the bound.
describe('PKCS#12 iteration counts', () => {
  const HUGE = 6_000_000;

  it('refuses a MAC iteration count above what Java accepts, before computing the MAC', () => {
    const store = encodePkcs12([keyEntry], { password: PASSWORD, profile: 'legacy' });
    const [version, authSafe, macData] = sequenceOf(decode(store), 'PFX');
    const [digestInfo, salt] = sequenceOf(macData, 'MacData');
    const hostile = sequence(
      raw(version?.raw as Uint8Array),
      raw(authSafe?.raw as Uint8Array),
      sequence(raw(digestInfo?.raw as Uint8Array), raw(salt?.raw as Uint8Array), integer(HUGE)),
    );
    const error = thrown(() => decodePkcs12(hostile, PASSWORD));
    expect(error.message).toBe(`PKCS#12 MAC iteration count ${HUGE} is above 5000000, the most Java accepts`);
  });

  it('refuses a PBKDF2 iteration count above what Java accepts, before deriving a key', () => {
    const algorithm = sequence(
      oid(OID.pbes2),
      sequence(
        sequence(
          oid(OID.pbkdf2),
          sequence(
            octetString(new Uint8Array(16)),
            integer(HUGE),
            sequence(oid(OID.hmacWithSha256), derNull()),
          ),
        ),
        sequence(oid(OID.aes256Cbc), octetString(new Uint8Array(16))),
      ),
    );
    const error = thrown(() => decryptWithAlgorithm(decode(algorithm), new Uint8Array(16), PASSWORD));
    expect(error.message).toBe(`PBKDF2 iteration count ${HUGE} is above 5000000, the most Java accepts`);
  });
});

describe('PKCS#12 passwords', () => {
  it('refuses a non-ASCII password that Java could not use, and suggests JKS', () => {
    // Java's PBEKey rejects anything outside 0x20..0x7e, for PBES2 and PKCS#12 PBE alike.
    expect(() => encodePkcs12([keyEntry], { password: 'pässword' })).toThrow(/printable ASCII/);
    expect(thrown(() => encodePkcs12([keyEntry], { password: 'tab\there' })).hint).toMatch(/format: jks/);
  });
});

describe('PKCS#12 aliases', () => {
  it('keeps the case and non-ASCII characters of a friendlyName, but refuses aliases equal but for case', () => {
    const entry: KeystoreEntry = { kind: 'trusted-cert', alias: 'Wurzel-CA-ä', certificate: ec.chain[2] };
    expect(decodePkcs12(encodePkcs12([entry], { password: PASSWORD }), PASSWORD).entries[0]?.alias).toBe(
      'Wurzel-CA-ä',
    );
    // Java's PKCS12 KeyStore looks aliases up case-insensitively: the second would shadow the first.
    const twin: KeystoreEntry = { ...entry, alias: 'WURZEL-ca-Ä', certificate: ec.chain[1] };
    expect(() => encodePkcs12([entry, twin], { password: PASSWORD })).toThrow(/duplicate keystore alias/);
  });
});

describe('storePasswords and encodeKeyStore', () => {
  const secret = (value: string) => new Secret(value, 'test');

  it('refuses a PKCS#12 key password that differs from the store password, with a hint', () => {
    const call = () => storePasswords('pkcs12', { keystore: secret(PASSWORD), key: secret('other') });
    expect(call).toThrow(KeystoreError);
    expect(thrown(call).hint).toMatch(/JKS format/);
  });

  it('refuses a PKCS#12 store or truststore password Java cannot use, before anything is issued for it', () => {
    for (const given of [
      { keystore: secret('pässwort-ü') },
      { keystore: secret(PASSWORD), truststore: secret('tür') },
    ]) {
      const error = thrown(() => storePasswords('pkcs12', given));
      expect(error.message).toBe('a PKCS#12 keystore password must be printable ASCII for Java to load it');
    }
    expect(storePasswords('jks', { keystore: secret('pässwort-ü') }).keystore.reveal()).toBe('pässwort-ü');
  });

  it('gives a PKCS#12 key the store password, a JKS key its own, and the truststore the keystore password by default', () => {
    const p12 = storePasswords('pkcs12', { keystore: secret(PASSWORD), key: secret(PASSWORD) });
    expect(p12.key.reveal()).toBe(PASSWORD);
    const jks = storePasswords('jks', { keystore: secret(PASSWORD), key: secret('other') });
    expect([jks.key.reveal(), jks.truststore.reveal()]).toEqual(['other', PASSWORD]);
  });

  it('dispatches on the format, with the key password where JKS has one', () => {
    const jksPasswords = storePasswords('jks', { keystore: secret(PASSWORD), key: secret('other') });
    const jks = encodeKeyStore('jks', keyEntry, jksPasswords);
    expect(Buffer.from(jks.subarray(0, 4)).toString('hex')).toBe('feedfeed');
    const entry = decodeJks(jks, PASSWORD).entries[0];
    expect(entry?.kind === 'private-key' && entry.decryptKey('other').length).toBeGreaterThan(0);
    const p12 = encodeKeyStore('pkcs12', keyEntry, storePasswords('pkcs12', { keystore: secret(PASSWORD) }));
    expect(decodePkcs12(p12, PASSWORD).entries).toHaveLength(1);
  });
});
