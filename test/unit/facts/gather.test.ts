// The facts of one node over an in-memory Remote answering with the probes' recorded output format:
// one round trip reads config.xml, stores, marker and installation; a second only when config.xml
// keeps the stores elsewhere; stores are read by their bytes, keys decrypted as the format has them.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FactsContext, gatherNodeFacts, type NodePaths } from '../../../src/facts/gather.js';
import { applyTlsConfig } from '../../../src/hivemq/config.js';
import { encodeKeyStore, encodeTrustStore, storePasswords } from '../../../src/keystore/index.js';
import { Secret } from '../../../src/secret.js';
import { FakeRemote } from '../../helpers/fake-remote.js';
import { type Chain, makeChain } from '../keystore/material.js';

const PASSWORD = `facts-${process.pid}`;
const passwords = storePasswords('jks', { keystore: new Secret(PASSWORD, 'test') });
const paths: NodePaths = {
  config: '/opt/hivemq/conf/config.xml',
  keystore: '/etc/ssl/hivemq/hivemq-keystore.jks',
  truststore: '/etc/ssl/hivemq/hivemq-truststore.jks',
  backupRoot: '/etc/ssl/hivemq/backup',
  pending: '/etc/ssl/hivemq/.deploy-tls-pending.json',
};
const ARTICLE = {
  keystore: '/etc/ssl/hivemq/root/keystores/hivemq-keystore.jks',
  truststore: '/etc/ssl/hivemq/root/keystores/mqtt-client-truststore.jks',
};
const XSD = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="hivemq"/></xs:schema>';
const STOCK = '<hivemq>\n    <listeners>\n    </listeners>\n</hivemq>\n';

let dir: string;
let chain: Chain;
let context: FactsContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'facts-'));
  chain = await makeChain(dir, 'ecdsa-p256');
  const intermediate = chain.chain[1];
  if (!intermediate) throw new Error('no intermediate');
  context = {
    home: '/opt/hivemq',
    listeners: [{ type: 'tcp', name: 'secure-listener', port: 8883 }],
    passwords,
    intermediate: new X509Certificate(intermediate),
    become: false,
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What the files probe prints for each path, then the install probe's sections. */
function probeOutput(command: string, files: ReadonlyMap<string, Uint8Array | string>): string {
  const asked = /^set -- (.*)$/m.exec(command)?.[1]?.split(' ') ?? [];
  const out = asked.map((path) => {
    const data = files.get(path);
    if (data === undefined) return '==deploy-tls== missing';
    return `==deploy-tls== present 640 root hivemq\n${Buffer.from(data).toString('base64')}`;
  });
  if (command.includes('==deploy-tls-install=='))
    out.push(
      '==deploy-tls-install== xsd',
      Buffer.from(XSD).toString('base64'),
      '==deploy-tls-install== jar missing',
      '==deploy-tls-install== licenses 0',
    );
  return `${out.join('\n')}\n`;
}

const nodeWith = (files: ReadonlyMap<string, Uint8Array | string>) =>
  new FakeRemote({ answer: (command) => ({ stdout: probeOutput(command, files) }) });

const entry = () => ({
  kind: 'private-key' as const,
  alias: 'HiveMQ Broker Certificate',
  privateKeyPkcs8: chain.keyPkcs8,
  chain: chain.chain,
});

describe('gatherNodeFacts', () => {
  it('reads config.xml, stores, marker and installation in one round trip', async () => {
    const remote = nodeWith(
      new Map<string, Uint8Array | string>([
        [paths.config, STOCK],
        [paths.keystore, encodeKeyStore('jks', entry(), passwords)],
      ]),
    );
    const facts = await gatherNodeFacts(remote, paths, context);
    expect(remote.roundTrips).toBe(1);
    expect(facts.install).toMatchObject({ home: '/opt/hivemq', configXsd: XSD, licenseFiles: 0 });
    expect(facts.stores).toEqual({
      keystore: paths.keystore,
      truststore: paths.truststore,
      source: 'inventory',
    });
    expect(facts.keystore).toMatchObject({ exists: true, opens: true, format: 'jks' });
    expect(facts.keystore.certificate?.issuedByCa).toBe(true);
    expect(facts.truststore.exists).toBe(false);
  });

  it("reads the stores where config.xml keeps them, by content: PKCS#12 under the article's .jks names", async () => {
    const config = applyTlsConfig(STOCK, {
      edition: 'community',
      listener: {
        name: 'secure-listener',
        port: 8883,
        bindAddress: '0.0.0.0',
        keystore: { path: ARTICLE.keystore, password: PASSWORD, privateKeyPassword: PASSWORD },
        truststore: { path: ARTICLE.truststore, password: PASSWORD },
        clientAuthenticationMode: 'REQUIRED',
      },
    });
    const [leaf, intermediate] = chain.chain as [Uint8Array, Uint8Array, Uint8Array];
    // The article's broker truststore: the client's key entry and the intermediate (keytool -import).
    const truststore = encodeKeyStore('pkcs12', entry(), passwords);
    const remote = nodeWith(
      new Map<string, Uint8Array | string>([
        [paths.config, config],
        [ARTICLE.keystore, encodeKeyStore('pkcs12', entry(), passwords)],
        [ARTICLE.truststore, truststore],
      ]),
    );
    const facts = await gatherNodeFacts(remote, paths, context);
    expect(remote.roundTrips).toBe(2);
    expect(facts.stores).toEqual({ ...ARTICLE, source: 'config.xml' });
    expect(facts.keystore).toMatchObject({ exists: true, opens: true, format: 'pkcs12' });
    expect(facts.keystore.problem).toBeUndefined();
    // Java trusts a key entry's certificate too (JDK TrustStoreUtil).
    expect(facts.truststore).toMatchObject({ opens: true, format: 'pkcs12', keyEntries: 1 });
    expect(facts.truststore.anchors.map((a) => a.der)).toEqual([leaf]);
    const trusted = encodeTrustStore(
      'jks',
      [{ kind: 'trusted-cert', alias: 'i', certificate: intermediate }],
      passwords,
    );
    const proper = nodeWith(
      new Map<string, Uint8Array | string>([
        [paths.config, STOCK],
        [paths.truststore, trusted],
      ]),
    );
    expect((await gatherNodeFacts(proper, paths, context)).truststore.anchors.map((a) => a.der)).toEqual([
      intermediate,
    ]);
  });

  it('a PKCS#12 keystore has one password: a different key password is said, not guessed around', async () => {
    const twoPasswords = storePasswords('jks', {
      keystore: new Secret(PASSWORD, 'test'),
      key: new Secret('another', 'test'),
    });
    const remote = nodeWith(
      new Map<string, Uint8Array | string>([
        [paths.config, STOCK],
        [paths.keystore, encodeKeyStore('pkcs12', entry(), passwords)],
      ]),
    );
    const facts = await gatherNodeFacts(remote, paths, { ...context, passwords: twoPasswords });
    expect(facts.keystore).toMatchObject({ exists: true, opens: false, format: 'pkcs12' });
    expect(facts.keystore.problem).toMatch(/PKCS#12 keystore, whose key has the store password/);
    // The same key password opens a JKS keystore written with it.
    const jks = nodeWith(
      new Map<string, Uint8Array | string>([
        [paths.config, STOCK],
        [paths.keystore, encodeKeyStore('jks', entry(), twoPasswords)],
      ]),
    );
    expect((await gatherNodeFacts(jks, paths, { ...context, passwords: twoPasswords })).keystore.opens).toBe(
      true,
    );
  });

  it('reads the environment file and drop-in in the same round trip, and a broken config.xml names no stores', async () => {
    const withEnvironment = {
      ...paths,
      environmentFile: '/etc/ssl/hivemq/hivemq-tls.env',
      dropIn: '/etc/systemd/system/hivemq.service.d/deploy-tls-environment.conf',
    };
    const remote = nodeWith(
      new Map<string, Uint8Array | string>([
        [paths.config, '<hivemq><listeners>'],
        [withEnvironment.environmentFile, 'X="1"\n'],
      ]),
    );
    const facts = await gatherNodeFacts(remote, withEnvironment, context);
    expect(remote.roundTrips).toBe(1);
    expect(facts.environment).toEqual({
      file: 'X="1"\n',
      fileOwnership: { mode: 0o640, owner: 'root', group: 'hivemq' },
      dropIn: undefined,
    });
    expect(facts.stores.source).toBe('inventory');
  });
});
