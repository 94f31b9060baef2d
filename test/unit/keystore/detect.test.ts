// A store is read by its content: the article's `hivemq-keystore.jks` written by Java 17's keytool
// is PKCS#12, and deploy-tls must open it as such instead of reporting a bad JKS magic number.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeystoreError } from '../../../src/errors.js';
import {
  decodeKeystore,
  detectKeystoreFormat,
  encodeKeyStore,
  type PrivateKeyEntry,
  storePasswords,
} from '../../../src/keystore/index.js';
import { Secret } from '../../../src/secret.js';
import { type Chain, makeChain } from './material.js';

const PASSWORD = `detect-${process.pid}`;
let dir: string;
let chain: Chain;
let entry: PrivateKeyEntry;
const passwords = storePasswords('jks', { keystore: new Secret(PASSWORD, 'test') });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystore-detect-'));
  chain = await makeChain(dir, 'ecdsa-p256');
  entry = { kind: 'private-key', alias: 'broker1', privateKeyPkcs8: chain.keyPkcs8, chain: chain.chain };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('detectKeystoreFormat', () => {
  it('tells JKS from PKCS#12 (both profiles) by their bytes', () => {
    expect(detectKeystoreFormat(encodeKeyStore('jks', entry, passwords))).toBe('jks');
    for (const profile of ['modern', 'legacy'] as const)
      expect(detectKeystoreFormat(encodeKeyStore('pkcs12', entry, passwords, { profile }))).toBe('pkcs12');
  });

  it('names JCEKS, and calls anything else unknown', () => {
    expect(detectKeystoreFormat(Uint8Array.of(0xce, 0xce, 0xce, 0xce, 0, 0, 0, 2))).toBe('jceks');
    expect(detectKeystoreFormat(Buffer.from('-----BEGIN CERTIFICATE-----\n'))).toBe('unknown');
    expect(detectKeystoreFormat(new Uint8Array(0))).toBe('unknown');
    // A DER certificate is a SEQUENCE too, but its first element is a SEQUENCE, not INTEGER 3.
    expect(detectKeystoreFormat(chain.chain[0])).toBe('unknown');
    // A PKCS#12 file cut short is not PKCS#12 any more (the outer length no longer fits).
    const p12 = encodeKeyStore('pkcs12', entry, passwords);
    expect(detectKeystoreFormat(p12.subarray(0, p12.length - 1))).toBe('unknown');
  });
});

describe('decodeKeystore', () => {
  it('opens either format with the store password and reports which it was', () => {
    for (const format of ['jks', 'pkcs12'] as const) {
      const store = decodeKeystore(encodeKeyStore(format, entry, passwords), PASSWORD);
      expect(store.format).toBe(format);
      const [decoded] = store.entries;
      expect(
        decoded?.kind === 'private-key' && Buffer.from(decoded.chain[0] ?? []).equals(chain.chain[0]),
      ).toBe(true);
    }
  });

  it('refuses what it cannot read with a hint', () => {
    expect(() => decodeKeystore(Buffer.from('not a store'), PASSWORD)).toThrow(KeystoreError);
    expect(() => decodeKeystore(Uint8Array.of(0xce, 0xce, 0xce, 0xce), PASSWORD)).toThrow(/JCEKS/);
  });
});
