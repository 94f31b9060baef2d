// A fleet set up by hand with HiveMQ's intermediate-CA article, on Java 17, adopted by a rollout
// with the same CA: the article's own openssl and keytool commands (scripts/article/procedure.ts)
// make the CA, the broker keystore (keytool writes PKCS#12 into hivemq-keystore.jks unless told
// -deststoretype JKS) and the broker truststore (the client's key entry beside the intermediate),
// and config.xml gets the article's mutual-TLS listener. deploy-tls reads the stores by content
// where config.xml keeps them and records the certificate it finds: no re-issue, no restart.
import { createHash, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  articleCreateCa,
  articleIssueClient,
  articleIssueServer,
} from '../../../scripts/article/procedure.js';
import { brokerPid, stockConfigXml } from '../../../scripts/sandbox/broker.js';
import { MQTT_TLS_PORT } from '../../../scripts/sandbox/layout.js';
import { detectKeystoreFormat } from '../../../src/keystore/index.js';
import { Secret } from '../../../src/secret.js';
import { probeTls } from '../../../src/smoke/tls-probe.js';
import { treeHashes } from '../../helpers/cli.js';
import { run } from '../support/fleet.js';
import { configPath, logPath, restartAndWaitForLog } from '../support/hand-tls.js';
import { resetToPlain } from '../support/reset.js';
import { type InventoryDoc, workspace } from '../support/workspace.js';
import { node } from './sandbox-fleet.js';

const broker = node(2);
const ws = workspace('adopt');
// The article uses one password for every key and store ("changeme"); so does this operator.
const PASSWORD = ws.secrets.DEPLOY_TLS_CA_PASSWORD;
const samePasswords = { HIVEMQ_KEYSTORE_PASSWORD: PASSWORD, HIVEMQ_TRUSTSTORE_PASSWORD: PASSWORD };
const deployTls = (args: string[]) => ws.deployTls(args, 240_000, samePasswords);
/** The article's folder on the broker: /etc/ssl/hivemq/root/keystores. */
const storesDir = path.join(broker.sslDir, 'root', 'keystores');
const keystore = path.join(storesDir, 'hivemq-keystore.jks');
const truststore = path.join(storesDir, 'mqtt-client-truststore.jks');
const TLS_STARTED = `Started TCP Listener with TLS on address ${broker.address} and on port ${MQTT_TLS_PORT}.`;
let inventory = '';
let articleSerial = '';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const nodeFiles = () => ({
  ssl: treeHashes(broker.sslDir),
  conf: treeHashes(path.join(broker.homeDir, 'conf')),
});

/**
 * The article's mutual-TLS listener, as printed there, comments included. One change: the bind
 * address is the node's own, since the sandbox's nodes share one network (0.0.0.0:8883 would collide).
 */
const articleListener = `        <!-- Secure connection -->
        <tls-tcp-listener>
            <name>secure-listener</name>
            <port>8883</port>
            <bind-address>${broker.address}</bind-address>
            <tls>
                <keystore>
                    <!-- Configuring the path to the key store -->
                    <path>/etc/ssl/hivemq/root/keystores/hivemq-keystore.jks</path>
                    <!-- The password of the key store -->
                    <password>${PASSWORD}</password>
                    <!-- The password of the private key -->
                    <private-key-password>${PASSWORD}</private-key-password>
                </keystore>
                <!-- The way HiveMQ authenticates client certificates - REQUIRED: A client certificate must be present -->
                <client-authentication-mode>REQUIRED</client-authentication-mode>
                <truststore>
                    <!-- Configuring the path to the trust store -->
                    <path>/etc/ssl/hivemq/root/keystores/mqtt-client-truststore.jks</path>
                    <!-- The password of the trust store -->
                    <password>${PASSWORD}</password>
                </truststore>
            </tls>
        </tls-tcp-listener>
`;

beforeAll(async () => {
  await resetToPlain([broker]);
  const password = new Secret(PASSWORD, 'test');
  const keystores = path.join(ws.work, 'keystores');
  await articleCreateCa(ws.caDir, password);
  const server = await articleIssueServer(
    ws.caDir,
    'broker',
    [`DNS:${broker.host}`, `IP:${broker.address}`],
    password,
    keystores,
  );
  const client = await articleIssueClient(ws.caDir, 'mqtt-client', password, keystores);
  mkdirSync(storesDir, { recursive: true });
  copyFileSync(server, keystore);
  copyFileSync(client, truststore);
  writeFileSync(
    configPath(broker),
    stockConfigXml(broker).replace('</listeners>', `${articleListener}    </listeners>`),
  );
  await restartAndWaitForLog(broker, [TLS_STARTED]);
  articleSerial = new X509Certificate(
    readFileSync(path.join(ws.caDir, 'intermediate', 'certs', 'broker.cert.pem')),
  ).serialNumber.toUpperCase();
  // broker2 alone; the listener as the article has it: HiveMQ's default protocols (no <protocols>).
  inventory = ws.writeInventory('adopt.yaml', (doc) => {
    const only = doc.nodes.find((n) => n.name === broker.name) as InventoryDoc['nodes'][number] & {
      tls: Record<string, unknown>;
    };
    only.tls = { ...only.tls, protocols: [] };
    doc.nodes = [only];
  });
}, 600_000);

afterAll(async () => {
  await resetToPlain([broker]);
  rmSync(ws.work, { recursive: true, force: true });
});

describe("a broker set up with the article's procedure on Java 17", () => {
  it('has PKCS#12 stores under .jks names, and serves the certificate the article issued', async () => {
    expect(detectKeystoreFormat(readFileSync(keystore))).toBe('pkcs12');
    expect(detectKeystoreFormat(readFileSync(truststore))).toBe('pkcs12');
    const served = await probeTls({
      address: broker.address,
      port: MQTT_TLS_PORT,
      host: broker.host,
      ca: readFileSync(ws.chain, 'utf8'),
      timeoutMs: 5_000,
    });
    expect(served.serial).toBe(articleSerial);
    // With no <protocols>, HiveMQ keeps the JVM's defaults: what verify expects of `protocols: []`.
    expect(readFileSync(logPath(broker), 'utf8')).toContain(
      `Enabled protocols for TCP Listener with TLS at address ${broker.address} and port ${MQTT_TLS_PORT}: [TLSv1.3, TLSv1.2]`,
    );
  });

  it('plan keeps its certificate and config.xml, restarts nothing, and replaces only the truststore', async () => {
    const plan = await deployTls(['plan', '--inventory', inventory]);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0);
    expect(plan.stdout).toContain(`keep certificate ${articleSerial}`);
    expect(plan.stdout).not.toContain('issue a new certificate');
    // Java trusts the certificate of the client's key entry in that truststore as well.
    expect(plan.stdout).toContain(
      'replace: truststore (it also trusts mqtt-client (a broker truststore holds exactly the issuing intermediate))',
    );
    expect(plan.stdout).not.toContain('/opt/hivemq/conf/config.xml');
    expect(plan.stdout).toContain('restart: no');
  });

  it('the rollout adopts it: recorded in the ledger, not re-issued, not restarted', async () => {
    const pid = brokerPid(broker);
    const keystoreBefore = sha256(keystore);
    const configBefore = readFileSync(configPath(broker), 'utf8');
    const result = await deployTls(['--inventory', inventory]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`broker2\\s+deployed\\s+hot-reload\\s+${articleSerial}`));
    expect(brokerPid(broker)).toBe(pid);
    expect(sha256(keystore)).toBe(keystoreBefore);
    expect(readFileSync(configPath(broker), 'utf8')).toBe(configBefore);
    const ledger = readFileSync(path.join(ws.caDir, 'deployments.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { node: string; serial: string; result: string });
    expect(ledger.findLast((entry) => entry.node === broker.name)).toMatchObject({
      serial: articleSerial,
      result: 'deployed',
    });
    // keytool, not our reader, says what the truststore at the article's path holds now.
    const list = await run(
      'keytool',
      ['-list', '-keystore', truststore, '-storepass:env', 'HIVEMQ_TRUSTSTORE_PASSWORD'],
      { env: { ...process.env, ...samePasswords } },
    );
    expect(list.stdout).toContain('Your keystore contains 1 entry');
    expect(list.stdout).toContain('trustedCertEntry');
    expect(list.stdout).not.toContain('PrivateKeyEntry');
  });

  it('verify passes, and a second run changes nothing', async () => {
    const verify = await deployTls(['verify', '--inventory', inventory]);
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    expect(verify.stdout).toMatch(new RegExp(`served chain is the deployed one\\s+serial ${articleSerial}`));
    const before = nodeFiles();
    const pid = brokerPid(broker);
    const again = await deployTls(['--inventory', inventory]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/broker2\s+unchanged\s+none/);
    expect(nodeFiles()).toEqual(before);
    expect(brokerPid(broker)).toBe(pid);
  });
});
