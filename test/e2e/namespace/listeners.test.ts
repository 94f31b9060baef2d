// The rollout itself on a real HiveMQ CE node with every kind of TLS listener: the edition comes
// from the node (no <cluster> on the defaults; cluster.tls: true refused, naming the evidence), a
// listener value the node's own config.xsd refuses stops the node before anything is written, and
// a tls-tcp-listener and a tls-websocket-listener both serve the deployed certificate, proven by
// openssl s_client and by verify over mqtts:// and wss://.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerPid, stockConfigXml } from '../../../scripts/sandbox/broker.js';
import { MQTT_TLS_PORT } from '../../../scripts/sandbox/layout.js';
import { treeHashes } from '../../helpers/cli.js';
import { run } from '../support/fleet.js';
import { configPath } from '../support/hand-tls.js';
import { resetToPlain } from '../support/reset.js';
import { type InventoryDoc, workspace } from '../support/workspace.js';
import { node } from './sandbox-fleet.js';

const broker = node(3);
const WSS_PORT = 8443;
const WSS_PATH = '/mqtt/secure';
const { caDir, chain, deployTls, initCa, issueClient, work, writeInventory } = workspace('listeners');
let inventory: string;
let clientDir: string;

type NodeDoc = InventoryDoc['nodes'][number] & { tls?: Record<string, unknown>; cluster?: unknown };

/** broker3 alone, with a tcp and a websocket listener; `change` edits its entry. */
function inventoryFor(file: string, change: (node: NodeDoc) => void = () => {}): string {
  return writeInventory(file, (doc) => {
    const only = doc.nodes.find((n) => n.name === broker.name) as NodeDoc;
    only.tls = {
      listeners: [
        { type: 'tcp', port: MQTT_TLS_PORT, bindAddress: broker.address },
        { type: 'websocket', port: WSS_PORT, bindAddress: broker.address, path: WSS_PATH },
      ],
    };
    change(only);
    doc.nodes = [only];
  });
}

const nodeFiles = () => ({
  ssl: treeHashes(broker.sslDir),
  conf: treeHashes(path.join(broker.homeDir, 'conf')),
});

async function servedSerial(port: number): Promise<string> {
  const result = await run(
    'openssl',
    [
      ...['s_client', '-connect', `${broker.address}:${port}`, '-servername', broker.host],
      ...['-CAfile', chain, '-verify_hostname', broker.host, '-verify_return_error'],
      ...['-cert', path.join(clientDir, 'mqtt-client.cert.pem')],
      ...['-key', path.join(clientDir, 'mqtt-client.key.pem')],
    ],
    { timeoutMs: 20_000 },
  );
  expect(result.stdout).toContain('Verify return code: 0 (ok)');
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(result.stdout)?.[0] ?? '';
  const { X509Certificate } = await import('node:crypto');
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

beforeAll(async () => {
  await resetToPlain([broker]);
  await initCa();
  clientDir = await issueClient('mqtt-client');
  inventory = inventoryFor('inventory.yaml');
}, 300_000);

afterAll(async () => {
  await resetToPlain([broker]);
  rmSync(work, { recursive: true, force: true });
});

describe('the node decides the edition', () => {
  it('cluster.tls: true on a node whose schema is Community Edition is refused, naming the evidence; nothing changes', async () => {
    const before = nodeFiles();
    const pid = brokerPid(broker);
    const asked = inventoryFor('cluster.yaml', (n) => {
      n.cluster = { tls: true };
    });
    const result = await deployTls(['--inventory', asked]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'broker3: cluster.tls: true asks for cluster transport TLS, but the node has Community Edition, which has no cluster: conf/config.xsd declares no <cluster> element',
    );
    expect(result.stdout).toContain('→ set cluster.tls: auto (or false) for this node');
    expect(nodeFiles()).toEqual(before);
    expect(brokerPid(broker)).toBe(pid);
  });

  it('a listener value the node’s own config.xsd refuses stops the node before any write', async () => {
    // A hand-made listener of the inventory's name whose <handshake-timeout> is no xs:int: the
    // editor keeps what it does not manage, so the file it would write carries it. CE would start
    // on its defaults (plain MQTT) with such a config.
    const invalid = stockConfigXml(broker).replace(
      '</listeners>',
      `    <tls-tcp-listener>
            <port>${MQTT_TLS_PORT}</port>
            <bind-address>${broker.address}</bind-address>
            <name>secure-listener</name>
            <tls>
                <keystore><path>/etc/ssl/hivemq/hivemq-keystore.jks</path><password>x</password></keystore>
                <handshake-timeout>ten seconds</handshake-timeout>
            </tls>
        </tls-tcp-listener>
    </listeners>`,
    );
    writeFileSync(configPath(broker), invalid);
    try {
      const before = nodeFiles();
      const pid = brokerPid(broker);
      const result = await deployTls(['--inventory', inventory]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /broker3: \/opt\/hivemq\/conf\/config.xml as deploy-tls would write it does not validate against the node's config.xsd: \/hivemq\/listeners\/tls-tcp-listener\/tls\/handshake-timeout \(line \d+\): Element 'handshake-timeout': 'ten seconds' is not a valid value of the atomic type 'xs:int'/,
      );
      expect(result.stdout).toContain('→ nothing was written');
      expect(nodeFiles()).toEqual(before);
      expect(brokerPid(broker)).toBe(pid);
    } finally {
      writeFileSync(configPath(broker), stockConfigXml(broker));
    }
  });
});

describe('a tls-tcp-listener and a tls-websocket-listener', () => {
  it('plan says Community Edition from the node and no cluster TLS', async () => {
    const plan = await deployTls(['plan', '--inventory', inventory]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(
      "HiveMQ Community Edition 2025.5 (conf/config.xsd declares no <cluster> element (Community Edition's schema)); cluster TLS: no, Community Edition has no cluster",
    );
  });

  it('the rollout makes both serve the deployed certificate, and no <cluster> appears', async () => {
    const result = await deployTls(['--inventory', inventory]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/broker3\s+deployed\s+restart/);
    const config = readFileSync(configPath(broker), 'utf8');
    expect(config).toContain('<tls-tcp-listener>');
    expect(config).toContain(`<path>${WSS_PATH}</path>`);
    expect(config).not.toContain('<cluster>');
    const ledger = readFileSync(path.join(caDir, 'deployments.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { node: string; serial: string });
    const deployed = ledger.findLast((entry) => entry.node === broker.name)?.serial;
    expect(await servedSerial(MQTT_TLS_PORT)).toBe(deployed);
    expect(await servedSerial(WSS_PORT)).toBe(deployed);
  });

  it('verify runs the whole matrix on each, over mqtts:// and wss://', async () => {
    const result = await deployTls(['verify', '--inventory', inventory, '--json']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const checks = (
      JSON.parse(result.stdout).results as { check: string; ok: boolean; observed: string }[]
    ).map((r) => r.check);
    expect(checks).toHaveLength(20);
    expect(checks).toContain('mTLS MQTT 5 round trip (secure-listener)');
    expect(checks).toContain(`mTLS MQTT 5 round trip (secure-websocket-listener, wss ${WSS_PATH})`);
    expect(checks).toContain(
      `refused with a foreign CA certificate (secure-websocket-listener, wss ${WSS_PATH})`,
    );
  });

  it('status shows each listener and what the truststore trusts; a second run changes nothing', async () => {
    const status = await deployTls(['status', '--inventory', inventory, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const rows = JSON.parse(status.stdout).nodes as {
      listenerName: string;
      endpoint: string;
      servedIsRecorded: boolean;
      trusts: string[];
    }[];
    expect(rows.map((r) => [r.listenerName, r.endpoint, r.servedIsRecorded])).toEqual([
      ['secure-listener', `${broker.address}:${MQTT_TLS_PORT}`, true],
      ['secure-websocket-listener', `wss://${broker.address}:${WSS_PORT}${WSS_PATH}`, true],
    ]);
    expect(rows[0]?.trusts).toHaveLength(1);
    expect(rows[0]?.trusts[0]).toMatch(/CN=.*Intermediate/);
    expect(JSON.parse(status.stdout).warnings).toEqual([]);

    const before = nodeFiles();
    const pid = brokerPid(broker);
    const again = await deployTls(['--inventory', inventory]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/broker3\s+unchanged\s+none/);
    expect(nodeFiles()).toEqual(before);
    expect(brokerPid(broker)).toBe(pid);
  });
});
