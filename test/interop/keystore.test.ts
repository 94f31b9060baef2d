// Our keystore bytes against tools nobody here wrote: keytool, a real JVM (KeyStore + SSLContext, as
// HiveMQ loads them) and openssl; and their stores against our decoders.
// Passwords travel in environment variables of the child processes, never in argv.
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeystoreError } from '../../src/errors.js';
import {
  type DecodedKeystore,
  decodeJks,
  decodePkcs12,
  encodeJks,
  encodePkcs12,
  type KeystoreEntry,
} from '../../src/keystore/index.js';
import {
  type Chain,
  type KeyType,
  makeChain,
  run,
  samePrivateKey,
  words,
} from '../unit/keystore/material.js';

const KEY_TYPES: KeyType[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ecdsa-p256', 'ecdsa-p384'];
const LOAD_STORE = fileURLToPath(new URL('./java/LoadStore.java', import.meta.url));

// Per-run test passwords; the key password differs from the store password to prove JKS keeps them apart.
// PKCS#12 passwords must be printable ASCII for Java (see encodePkcs12); JKS takes any, so the JKS-only
// passwords carry non-ASCII characters to prove our UTF-16 handling matches Java's.
const env = {
  ...process.env,
  KS_STORE_PASS: `store-${process.pid}`,
  KS_KEY_PASS: `key-${process.pid}-ß`,
  KS_OTHER_PASS: `other-${process.pid}`,
  KS_UNICODE_PASS: `unicode-${process.pid}-Ä€`,
};
const STORE_PASS = env.KS_STORE_PASS;
const KEY_PASS = env.KS_KEY_PASS;
const OTHER_PASS = env.KS_OTHER_PASS;
const UNICODE_PASS = env.KS_UNICODE_PASS;
const ALIAS = 'broker1';

let dir: string;
const chains = new Map<KeyType, Chain>();
/** LoadStore.java's line per store path, split into its key=value fields. */
const javaResults = new Map<string, Record<string, string>>();

const path = (name: string): string => join(dir, name);
const tool = async (cmd: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> =>
  run(cmd, args, { env, maxBuffer: 16 * 1024 * 1024 });
const keytool = (...args: string[]): Promise<{ stdout: string; stderr: string }> => tool('keytool', ...args);

function chainOf(keyType: KeyType): Chain {
  const chain = chains.get(keyType);
  if (!chain) throw new Error(`no chain for ${keyType}`);
  return chain;
}

const keyEntry = (chain: Chain): KeystoreEntry => ({
  kind: 'private-key',
  alias: ALIAS,
  privateKeyPkcs8: chain.keyPkcs8,
  chain: chain.chain,
});

/** CA certificates of two chains (RSA and EC): what a node's truststore holds. */
function trustEntries(): KeystoreEntry[] {
  return (['rsa-2048', 'ecdsa-p256'] as const).flatMap((keyType) => [
    { kind: 'trusted-cert', alias: `${keyType}-root`, certificate: chainOf(keyType).chain[2] },
    { kind: 'trusted-cert', alias: `${keyType}-intermediate`, certificate: chainOf(keyType).chain[1] },
  ]);
}

function parseJavaLine(line: string): [string, Record<string, string>] {
  const fields = Object.fromEntries(
    line
      .split(' ')
      .slice(1)
      .map((field) => [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)]),
  );
  return [fields.path ?? '', { status: line.split(' ')[0] ?? '', ...fields }];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystore-interop-'));
  await Promise.all(KEY_TYPES.map(async (keyType) => chains.set(keyType, await makeChain(dir, keyType))));

  const specs: string[] = [];
  for (const keyType of KEY_TYPES) {
    const entries = [keyEntry(chainOf(keyType))];
    await writeFile(
      path(`${keyType}.jks`),
      encodeJks(entries, { storePassword: STORE_PASS, keyPassword: KEY_PASS }),
    );
    specs.push(`JKS:${path(`${keyType}.jks`)}:KS_STORE_PASS:KS_KEY_PASS`);
    for (const profile of ['modern', 'legacy'] as const) {
      await writeFile(
        path(`${keyType}-${profile}.p12`),
        encodePkcs12(entries, { password: STORE_PASS, profile }),
      );
      specs.push(`PKCS12:${path(`${keyType}-${profile}.p12`)}:KS_STORE_PASS`);
    }
  }
  await writeFile(path('trust.jks'), encodeJks(trustEntries(), { storePassword: UNICODE_PASS }));
  specs.push(`JKS:${path('trust.jks')}:KS_UNICODE_PASS`);
  for (const profile of ['modern', 'legacy'] as const) {
    await writeFile(
      path(`trust-${profile}.p12`),
      encodePkcs12(trustEntries(), { password: STORE_PASS, profile }),
    );
    specs.push(`PKCS12:${path(`trust-${profile}.p12`)}:KS_STORE_PASS`);
  }

  // Every chain's root, so each key type's handshake can be verified; PKCS#12 here, JKS above.
  const roots: KeystoreEntry[] = KEY_TYPES.map((keyType) => ({
    kind: 'trusted-cert',
    alias: `${keyType}-root`,
    certificate: chainOf(keyType).chain[2],
  }));
  await writeFile(path('roots.p12'), encodePkcs12(roots, { password: STORE_PASS }));
  const rootsSpec = `PKCS12:${path('roots.p12')}:KS_STORE_PASS`;
  specs.push(
    ...specs.filter((spec) => !spec.includes('trust')).map((spec) => `handshake,${spec},${rootsSpec}`),
  );

  // One JVM for all stores: a JVM start costs more than loading a store.
  const { stdout } = await tool('java', LOAD_STORE, ...specs).catch((error: { stdout?: string }) => ({
    stdout: error.stdout ?? '',
  }));
  for (const line of stdout.trim().split('\n')) javaResults.set(...parseJavaLine(line));
}, 120_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

/** LoadStore.java's result for a store, or with `handshake` for the mutual TLS handshake that used it. */
function javaResult(file: string, handshake = false): Record<string, string> {
  const result = javaResults.get(`${handshake ? 'handshake:' : ''}${path(file)}`);
  expect(result, `LoadStore.java printed nothing for ${file}`).toBeDefined();
  return result ?? {};
}

describe.each(KEY_TYPES)('%s key with a 3-certificate chain', (keyType) => {
  it('JKS (key password ≠ store password): keytool lists a PrivateKeyEntry with chain length 3', async () => {
    const jks = path(`${keyType}.jks`);
    const { stdout } = await keytool(
      ...words('-list -v -storetype JKS -storepass:env KS_STORE_PASS -keystore'),
      jks,
    );
    expect(stdout).toContain('Your keystore contains 1 entry');
    expect(stdout).toContain(`Alias name: ${ALIAS}`);
    expect(stdout).toContain('Entry type: PrivateKeyEntry');
    expect(stdout).toContain('Certificate chain length: 3');
  });

  it.each(['modern', 'legacy'])(
    'PKCS#12 %s: keytool lists a PrivateKeyEntry with chain length 3',
    async (profile) => {
      const p12 = path(`${keyType}-${profile}.p12`);
      const { stdout } = await keytool(
        ...words('-list -v -storetype PKCS12 -storepass:env KS_STORE_PASS -keystore'),
        p12,
      );
      expect(stdout).toContain(`Alias name: ${ALIAS}`);
      expect(stdout).toContain('Entry type: PrivateKeyEntry');
      expect(stdout).toContain('Certificate chain length: 3');
    },
  );

  it.each([
    [`${keyType}.jks`, 'JKS'],
    [`${keyType}-modern.p12`, 'PKCS12'],
    [`${keyType}-legacy.p12`, 'PKCS12'],
  ])('a JVM loads %s: key with its password, chain of 3, KeyManagerFactory and SSLContext', (file, type) => {
    const result = javaResult(file);
    expect(result).toMatchObject({ status: 'OK', type, size: '1', kmf: 'ok', ssl: 'ok' });
    expect(result.keys).toBe(`${ALIAS}/${keyType.startsWith('rsa') ? 'RSA' : 'EC'}/3`);
  });

  it.each([`${keyType}.jks`, `${keyType}-modern.p12`, `${keyType}-legacy.p12`])(
    'a JVM completes a mutual TLS 1.3 handshake with %s, verified up to the root',
    (file) => {
      // Server and client both present this key; each side validates leaf → intermediate → root.
      expect(javaResult(file, true)).toMatchObject({
        status: 'HANDSHAKE',
        protocol: 'TLSv1.3',
        peer: 'CN=broker1.example.com,O=deploy-tls_test',
        clientSeenByServer: 'CN=broker1.example.com,O=deploy-tls_test',
        peerChain: '3',
      });
    },
  );

  it('openssl reads the modern PKCS#12: PBES2/AES-256-CBC/hmacWithSHA256, SHA-256 MAC, same key', async () => {
    const p12 = path(`${keyType}-modern.p12`);
    const { stderr } = await tool(
      'openssl',
      ...words('pkcs12 -info -nokeys -passin env:KS_STORE_PASS -in'),
      p12,
    );
    expect(stderr).toContain('MAC: sha256, Iteration 2048');
    expect(stderr).toContain(
      'PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256',
    );
    expect(stderr).toContain(
      'Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256',
    );
    await expectOpensslKey(p12, chainOf(keyType));
  });

  it('openssl reads the legacy PKCS#12: pbeWithSHA1And3-KeyTripleDES-CBC, SHA-1 MAC, same key', async () => {
    const p12 = path(`${keyType}-legacy.p12`);
    const { stderr } = await tool(
      'openssl',
      ...words('pkcs12 -info -nokeys -passin env:KS_STORE_PASS -in'),
      p12,
    );
    expect(stderr).toContain('MAC: sha1, Iteration 2048');
    expect(stderr).toContain('PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
    expect(stderr).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
    await expectOpensslKey(p12, chainOf(keyType));
  });
});

/** openssl extracts the same private key and the 3 certificates, the leaf with our friendlyName. */
async function expectOpensslKey(p12: string, chain: Chain): Promise<void> {
  const { stdout } = await tool('openssl', ...words('pkcs12 -nodes -passin env:KS_STORE_PASS -in'), p12);
  const pemKey = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(stdout)?.[0] ?? '';
  const der = createPrivateKey(pemKey).export({ format: 'der', type: 'pkcs8' });
  expect(samePrivateKey(der, chain.keyPkcs8)).toBe(true);
  expect(stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
  expect(stdout).toContain(`friendlyName: ${ALIAS}`);
}

const TRUSTSTORES = [
  ['trust.jks', 'JKS', 'KS_UNICODE_PASS'],
  ['trust-modern.p12', 'PKCS12', 'KS_STORE_PASS'],
  ['trust-legacy.p12', 'PKCS12', 'KS_STORE_PASS'],
] as const;

describe('truststores (certificates only)', () => {
  it.each(TRUSTSTORES)('keytool lists %s as 4 trustedCertEntry entries', async (file, type, passwordVar) => {
    const { stdout } = await keytool(
      ...words(`-list -storetype ${type} -storepass:env ${passwordVar} -keystore`),
      path(file),
    );
    expect(stdout).toContain('Your keystore contains 4 entries');
    expect(stdout.match(/trustedCertEntry/g)).toHaveLength(4);
    expect(stdout).toContain('rsa-2048-root');
  });

  it.each(TRUSTSTORES)(
    'a JVM loads %s: 4 trusted certificates, TrustManagerFactory with 4 issuers',
    (file, type) => {
      // Without Java's trusted-key-usage attribute the PKCS#12 ones would load with size 0.
      expect(javaResult(file)).toMatchObject({
        status: 'OK',
        type,
        size: '4',
        keys: '',
        tmf: '4',
        ssl: 'ok',
      });
    },
  );
});

describe('our decoders read stores that openssl and keytool wrote', () => {
  const chain = (): Chain => chainOf('rsa-2048');
  const fromOpenssl = (): string => path('openssl-default.p12');
  /** `openssl pkcs12 -export` of the rsa-2048 key and chain, with extra options and a password variable. */
  const opensslExport = async (
    out: string,
    options: string,
    passwordVar = 'KS_STORE_PASS',
  ): Promise<void> => {
    const { files } = chain();
    await tool(
      'openssl',
      ...words(`pkcs12 -export ${options} -passout env:${passwordVar}`),
      ...['-inkey', files.leafKey, '-in', files.leafCert, '-certfile', files.chainPem, '-out', out],
    );
  };

  function expectKeyEntry(store: DecodedKeystore, alias: string, keyPassword: string): void {
    const entry = store.entries.find((e) => e.alias === alias);
    if (entry?.kind !== 'private-key')
      throw new Error(`no key entry "${alias}" in ${JSON.stringify(store.entries)}`);
    expect(entry.chain.map((c) => Buffer.from(c))).toEqual(chain().chain.map((c) => Buffer.from(c)));
    expect(samePrivateKey(entry.decryptKey(keyPassword), chain().keyPkcs8)).toBe(true);
  }

  beforeAll(() => opensslExport(fromOpenssl(), '-name From-OpenSSL'));

  it('openssl pkcs12 -export (OpenSSL 3 defaults)', async () => {
    expectKeyEntry(decodePkcs12(await readFile(fromOpenssl()), STORE_PASS), 'From-OpenSSL', STORE_PASS);
  });

  it('openssl pkcs12 -export with 3DES and a SHA-1 MAC (the 1.x-compatible recipe)', async () => {
    const p12 = path('openssl-3des.p12');
    await opensslExport(p12, '-name triple -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1');
    expectKeyEntry(decodePkcs12(await readFile(p12), STORE_PASS), 'triple', STORE_PASS);
  });

  it('openssl pkcs12 -export with a non-ASCII password (BMPString for the MAC, UTF-8 for PBES2)', async () => {
    const p12 = path('openssl-unicode.p12');
    await opensslExport(p12, '-name unicode', 'KS_UNICODE_PASS');
    expectKeyEntry(decodePkcs12(await readFile(p12), UNICODE_PASS), 'unicode', UNICODE_PASS);
  });

  it('openssl pkcs12 -export -legacy (RC2-40 certificates) fails with a clear KeystoreError', async () => {
    const p12 = path('openssl-rc2.p12');
    await opensslExport(p12, '-legacy');
    const bytes = await readFile(p12);
    expect(() => decodePkcs12(bytes, STORE_PASS)).toThrow(KeystoreError);
    expect(() => decodePkcs12(bytes, STORE_PASS)).toThrow(/RC2/);
  });

  it('keytool -importkeystore into JKS with its own key password', async () => {
    const jks = path('keytool.jks');
    await keytool(
      ...words(
        '-importkeystore -noprompt -srcstoretype PKCS12 -srcstorepass:env KS_STORE_PASS -srcalias from-openssl',
      ),
      ...words('-deststoretype JKS -deststorepass:env KS_OTHER_PASS -destkeypass:env KS_KEY_PASS'),
      ...['-srckeystore', fromOpenssl(), '-destkeystore', jks],
    );
    const bytes = await readFile(jks);
    expectKeyEntry(decodeJks(bytes, OTHER_PASS), 'from-openssl', KEY_PASS);
    expect(() => decodeJks(bytes, STORE_PASS)).toThrow(/store password/);
  });

  it('keytool -importkeystore into PKCS12 (Java 17 defaults: PBES2, 10000 iterations)', async () => {
    const p12 = path('keytool.p12');
    await keytool(
      ...words('-importkeystore -noprompt -srcstoretype PKCS12 -srcstorepass:env KS_STORE_PASS'),
      ...words('-deststoretype PKCS12 -deststorepass:env KS_OTHER_PASS'),
      ...['-srckeystore', fromOpenssl(), '-destkeystore', p12],
    );
    expectKeyEntry(decodePkcs12(await readFile(p12), OTHER_PASS), 'from-openssl', OTHER_PASS);
  });

  it.each(['JKS', 'PKCS12'])('keytool -importcert truststore (%s)', async (type) => {
    const store = path(`keytool-trust.${type.toLowerCase()}`);
    for (const [alias, pem] of [
      ['root', chain().files.rootCert],
      ['intermediate', chain().files.intermediateCert],
    ] as const) {
      const options = words(
        `-importcert -noprompt -storetype ${type} -storepass:env KS_STORE_PASS -alias ${alias}`,
      );
      await keytool(...options, '-file', pem, '-keystore', store);
    }
    const bytes = await readFile(store);
    const decoded = type === 'JKS' ? decodeJks(bytes, STORE_PASS) : decodePkcs12(bytes, STORE_PASS);
    const trusted = decoded.entries.filter((e) => e.kind === 'trusted-cert');
    expect(trusted.map((e) => e.alias).sort()).toEqual(['intermediate', 'root']);
    const root = trusted.find((e) => e.alias === 'root');
    expect(
      root?.kind === 'trusted-cert' && Buffer.from(root.certificate).equals(Buffer.from(chain().chain[2])),
    ).toBe(true);
  });
});
