import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeystoreError } from '../../../src/errors.js';
import { decodeJks, encodeJks, type KeystoreEntry } from '../../../src/keystore/index.js';
import { type Chain, makeChain, samePrivateKey } from './material.js';

// Test-only passwords, generated per run so no fixture holds one.
const STORE_PASSWORD = `store-${process.pid}`;
const KEY_PASSWORD = `key-${process.pid}-ü`; // non-ASCII: JKS hashes UTF-16 code units

let dir: string;
let ec: Chain;
let entries: KeystoreEntry[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystore-jks-'));
  ec = await makeChain(dir, 'ecdsa-p256');
  entries = [
    { kind: 'private-key', alias: 'Broker1', privateKeyPkcs8: ec.keyPkcs8, chain: ec.chain },
    { kind: 'trusted-cert', alias: 'Root-CA', certificate: ec.chain[2] },
    { kind: 'trusted-cert', alias: 'intermediate-ü', certificate: ec.chain[1] },
  ];
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('JKS', () => {
  it('round-trips keys, chains and trusted certificates; aliases are lowercased', () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const bytes = encodeJks(entries, { storePassword: STORE_PASSWORD, keyPassword: KEY_PASSWORD, now });
    expect(Buffer.from(bytes.subarray(0, 8)).toString('hex')).toBe('feedfeed00000002');
    const store = decodeJks(bytes, STORE_PASSWORD);
    expect(store.format).toBe('jks');
    expect(store.entries.map((e) => [e.kind, e.alias])).toEqual([
      ['private-key', 'broker1'],
      ['trusted-cert', 'root-ca'],
      ['trusted-cert', 'intermediate-ü'],
    ]);
    const [key, root] = store.entries;
    if (key?.kind !== 'private-key' || root?.kind !== 'trusted-cert')
      throw new Error('unexpected entry kinds');
    expect(key.createdAt).toEqual(now);
    expect(key.chain.map((c) => Buffer.from(c))).toEqual(ec.chain.map((c) => Buffer.from(c)));
    expect(Buffer.from(root.certificate)).toEqual(Buffer.from(ec.chain[2]));
    expect(samePrivateKey(key.decryptKey(KEY_PASSWORD), ec.keyPkcs8)).toBe(true);
    expect(Buffer.from(key.decryptKey(KEY_PASSWORD))).toEqual(Buffer.from(ec.keyPkcs8)); // byte-exact
  });

  it('protects keys with the store password when no key password is given', () => {
    const store = decodeJks(encodeJks(entries, { storePassword: STORE_PASSWORD }), STORE_PASSWORD);
    const key = store.entries[0];
    if (key?.kind !== 'private-key') throw new Error('expected a key entry');
    expect(samePrivateKey(key.decryptKey(STORE_PASSWORD), ec.keyPkcs8)).toBe(true);
  });

  it('rejects a wrong store password by the integrity trailer, naming the store password', () => {
    const bytes = encodeJks(entries, { storePassword: STORE_PASSWORD, keyPassword: KEY_PASSWORD });
    expect(() => decodeJks(bytes, 'not-the-password')).toThrow(KeystoreError);
    expect(() => decodeJks(bytes, 'not-the-password')).toThrow(/store password/);
  });

  it('detects a flipped byte anywhere in the body', () => {
    const bytes = encodeJks(entries, { storePassword: STORE_PASSWORD });
    bytes[100] = (bytes[100] as number) ^ 1;
    expect(() => decodeJks(bytes, STORE_PASSWORD)).toThrow(/integrity check failed/);
  });

  it('rejects a wrong key password by the KeyProtector check digest', () => {
    const bytes = encodeJks(entries, { storePassword: STORE_PASSWORD, keyPassword: KEY_PASSWORD });
    const key = decodeJks(bytes, STORE_PASSWORD).entries[0];
    if (key?.kind !== 'private-key') throw new Error('expected a key entry');
    expect(() => key.decryptKey(STORE_PASSWORD)).toThrow(KeystoreError);
    expect(() => key.decryptKey(STORE_PASSWORD)).toThrow(/wrong key password for JKS entry "broker1"/);
  });

  it('refuses entries Java could not use', () => {
    const opts = { storePassword: STORE_PASSWORD };
    const [keyEntry] = entries;
    if (keyEntry?.kind !== 'private-key') throw new Error('expected a key entry');
    expect(() => encodeJks([keyEntry, { ...keyEntry, alias: 'BROKER1' }], opts)).toThrow(
      /duplicate keystore alias/,
    );
    expect(() => encodeJks([{ ...keyEntry, chain: [] }], opts)).toThrow(/empty certificate chain/);
    expect(() => encodeJks([{ ...keyEntry, chain: [ec.chain[1]] }], opts)).toThrow(/does not match its leaf/);
    expect(() => encodeJks([{ ...keyEntry, privateKeyPkcs8: Uint8Array.of(1, 2) }], opts)).toThrow(/PKCS#8/);
  });

  it('explains what a non-JKS file is', () => {
    const pkcs12 = Uint8Array.from([0x30, ...new Uint8Array(40)]);
    expect(() => decodeJks(pkcs12, 'x')).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/PKCS#12/) }),
    );
    const jceks = Uint8Array.from([0xce, 0xce, 0xce, 0xce, ...new Uint8Array(40)]);
    expect(() => decodeJks(jceks, 'x')).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/JCEKS/) }),
    );
  });
});
