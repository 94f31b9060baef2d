// status's truststore warnings: a broker refuses a client certificate whose issuer its truststore
// does not hold, so status says so per client bundle, before an application finds out.
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientIssuer, type TrustedNode, trustWarnings } from '../../../src/commands/status.js';
import type { TruststoreFact } from '../../../src/plan/types.js';
import { type Chain, makeChain } from '../keystore/material.js';

const node: TrustedNode = {
  name: 'broker1',
  tls: { listeners: [{ name: 'secure-listener' }, { name: 'secure-websocket-listener' }] },
};
const stores = {
  keystore: '/etc/ssl/hivemq/hivemq-keystore.jks',
  truststore: '/etc/ssl/hivemq/hivemq-truststore.jks',
  source: 'inventory' as const,
};

let dir: string;
let ours: Chain;
/** Another CA with the very same subject names: only the signature tells it apart. */
let foreign: Chain;
let client: ClientIssuer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-warnings-'));
  await Promise.all(['ours', 'foreign'].map((name) => mkdir(join(dir, name))));
  ours = await makeChain(join(dir, 'ours'), 'ecdsa-p256');
  foreign = await makeChain(join(dir, 'foreign'), 'ecdsa-p256');
  client = { client: { name: 'mqtt-client' }, cert: new X509Certificate(ours.chain[0]) };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function truststore(...ders: Uint8Array[]): TruststoreFact {
  const anchors = ders.map((der) => ({ fingerprint: '', subject: '', der }));
  return { exists: true, opens: true, certificates: [], anchors, keyEntries: 0 };
}

describe('trustWarnings', () => {
  it("is silent when the truststore holds the client bundle's issuer", () => {
    expect(trustWarnings(node, { stores, truststore: truststore(ours.chain[1]) }, [client])).toEqual([]);
  });

  it('names the node, its listeners and the client when the issuer is missing, even behind the same name', () => {
    const warnings = trustWarnings(
      node,
      { stores, truststore: truststore(foreign.chain[1], ours.chain[2]) },
      [client],
    );
    expect(warnings).toEqual([
      "broker1 (secure-listener, secure-websocket-listener): the truststore /etc/ssl/hivemq/hivemq-truststore.jks does not hold the issuer of client mqtt-client (Test Intermediate ecdsa-p256): the broker refuses that client's certificate",
    ]);
  });

  it('says a missing truststore only when there are clients, and one it cannot open', () => {
    const missing = { ...truststore(), exists: false, opens: false };
    expect(trustWarnings(node, { stores, truststore: missing }, [client])).toEqual([
      'broker1 (secure-listener, secure-websocket-listener): no truststore at /etc/ssl/hivemq/hivemq-truststore.jks',
    ]);
    expect(trustWarnings(node, { stores, truststore: missing }, [])).toEqual([]);
    expect(trustWarnings(node, { stores, truststore: { ...truststore(), opens: false } }, [])).toEqual([
      "broker1 (secure-listener, secure-websocket-listener): the truststore /etc/ssl/hivemq/hivemq-truststore.jks does not open with the inventory's password",
    ]);
  });

  it('skips a client with no bundle yet', () => {
    expect(
      trustWarnings(node, { stores, truststore: truststore() }, [{ client: { name: 'new-client' } }]),
    ).toEqual([]);
  });
});
