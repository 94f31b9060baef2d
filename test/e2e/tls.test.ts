// The first proof that deploy-tls's keystores work in real HiveMQ: keystores from `deploy-tls issue
// node` behind a tls-tcp-listener with client-authentication-mode REQUIRED, checked with tools
// nobody here wrote (openssl s_client, mosquitto_pub) and with mqtt.js, for JKS and for PKCS#12.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOUNT_POINTS, MQTT_PORT, MQTT_TLS_PORT } from '../../scripts/sandbox/layout.js';
import { waitFor } from '../../scripts/sandbox/processes.js';
import {
  fileSize,
  KEYSTORE_FILE,
  layout,
  NODE_PATHS,
  node,
  readFile,
  restartBroker as restartOverSsh,
  run,
  uniqueTopic,
  waitUntilMqttAccepts,
  writeFile,
} from './support/fleet.js';
import { tlsConfigXml } from './support/hivemq-config.js';
import { roundTrip } from './support/mqtt.js';
import { resetToPlain } from './support/reset.js';

const CLI = path.join(layout.repoRoot, 'dist', 'cli', 'main.js');
const broker = node(1);
const configXml = NODE_PATHS.configXml;
const hivemqLog = NODE_PATHS.hivemqLog;

// Throwaway secrets for this run only; they reach the CLI through its environment, never argv.
const secrets = {
  DEPLOY_TLS_CA_PASSWORD: randomBytes(18).toString('base64url'),
  HIVEMQ_KEYSTORE_PASSWORD: randomBytes(18).toString('base64url'),
  HIVEMQ_TRUSTSTORE_PASSWORD: randomBytes(18).toString('base64url'),
};
const cliEnv = { ...process.env, ...secrets };
const work = mkdtempSync(path.join(tmpdir(), 'deploy-tls-e2e-tls-'));
const caDir = path.join(work, 'pki');
const clientDir = path.join(work, 'client');
let originalConfig = '';

async function cli(args: string[]): Promise<string> {
  const result = await run('node', [CLI, ...args], { env: cliEnv, timeoutMs: 120_000 });
  if (result.code !== 0)
    throw new Error(`deploy-tls ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Restarts broker1 over ssh, as the inventory's restart command does, and waits for both listeners. */
async function restartBroker(): Promise<void> {
  const logBefore = await fileSize(broker, hivemqLog);
  await restartOverSsh(broker, 60_000);
  await waitUntilMqttAccepts(broker);
  // A started process proves nothing (CE falls back to defaults on a bad config): the TLS
  // listener must say it started, in this run's part of the log.
  await waitFor(
    `"Started TCP Listener with TLS" in ${hivemqLog}`,
    async () =>
      Buffer.from(await readFile(broker, hivemqLog))
        .subarray(logBefore)
        .toString('utf8')
        .includes(
          `Started TCP Listener with TLS on address ${broker.address} and on port ${MQTT_TLS_PORT}`,
        ) || undefined,
    { timeoutMs: 30_000 },
  );
}

beforeAll(async () => {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does)`);
  }
  // Other files leave the fleet deployed; this one starts, and ends, from the stock config.
  await resetToPlain([broker]);
  originalConfig = await readFile(broker, configXml);
  await cli(['ca', 'init', '--ca-dir', caDir]);
  await cli([
    'issue',
    'client',
    '--ca-dir',
    caDir,
    '--name',
    'mqtt-client',
    '--out',
    clientDir,
    '--plain-key',
  ]);
});

afterAll(async () => {
  // Leave broker1 as the sandbox made it: stock config, no keystores, serving plain MQTT.
  if (originalConfig !== '') await resetToPlain([broker]);
  rmSync(work, { recursive: true, force: true });
});

const profiles = [
  { label: 'JKS', args: ['--format', 'jks'], ext: 'jks' },
  {
    label: 'PKCS#12 (modern: AES-256)',
    args: ['--format', 'pkcs12', '--pkcs12-profile', 'modern'],
    ext: 'p12',
  },
  { label: 'PKCS#12 (legacy: 3DES)', args: ['--format', 'pkcs12', '--pkcs12-profile', 'legacy'], ext: 'p12' },
] as const;

describe.each(profiles)('mutual TLS with $label keystores from deploy-tls issue node', ({ args, ext }) => {
  const nodeDir = path.join(work, `node-${ext}-${args.join('')}`);
  const caChain = path.join(nodeDir, 'ca-chain.cert.pem');
  const clientCert = path.join(clientDir, 'mqtt-client.cert.pem');
  const clientKey = path.join(clientDir, 'mqtt-client.key.pem');

  beforeAll(async () => {
    await cli([
      'issue',
      'node',
      '--ca-dir',
      caDir,
      '--name',
      broker.name,
      '--san',
      `DNS:${broker.host}`,
      '--san',
      `IP:${broker.address}`,
      '--out',
      nodeDir,
      ...args,
    ]);
    // Into broker1's /etc/ssl/hivemq, owned and readable as deploy-tls would leave them.
    for (const store of ['hivemq-keystore', 'hivemq-truststore']) {
      await writeFile(
        broker,
        `${MOUNT_POINTS.ssl}/${store}.${ext}`,
        readFileSync(path.join(nodeDir, `${store}.${ext}`)),
        KEYSTORE_FILE,
      );
    }
    const config = tlsConfigXml(MQTT_PORT, {
      address: broker.address,
      port: MQTT_TLS_PORT,
      keystorePath: `${MOUNT_POINTS.ssl}/hivemq-keystore.${ext}`,
      keystorePassword: secrets.HIVEMQ_KEYSTORE_PASSWORD,
      privateKeyPassword: secrets.HIVEMQ_KEYSTORE_PASSWORD,
      truststorePath: `${MOUNT_POINTS.ssl}/hivemq-truststore.${ext}`,
      truststorePassword: secrets.HIVEMQ_TRUSTSTORE_PASSWORD,
      clientAuthenticationMode: 'REQUIRED',
    });
    const written = path.join(nodeDir, 'config.xml');
    writeFileSync(written, config);
    const valid = await run('xmllint', ['--noout', '--schema', layout.configXsd, written]);
    expect(valid.code, valid.stderr).toBe(0);
    await writeFile(broker, configXml, config);
    await restartBroker();
  });

  it('serves the issued certificate (subject, SAN, chain) to openssl s_client', async () => {
    const result = await run('openssl', [
      's_client',
      '-connect',
      `${broker.address}:${MQTT_TLS_PORT}`,
      '-servername',
      broker.host,
      '-CAfile',
      caChain,
      '-verify_return_error',
      '-verify_hostname',
      broker.host,
      '-cert',
      clientCert,
      '-key',
      clientKey,
      '-showcerts',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Verify return code: 0 (ok)');
    const served = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(result.stdout)?.[0];
    expect(served, 'no certificate in s_client output').toBeDefined();
    const issued = readFileSync(path.join(nodeDir, `${broker.name}.cert.pem`), 'utf8');
    const fingerprint = async (pem: string) => {
      const file = path.join(work, `fp-${randomBytes(4).toString('hex')}.pem`);
      writeFileSync(file, pem);
      return (
        await run('openssl', [
          'x509',
          '-in',
          file,
          '-noout',
          '-fingerprint',
          '-sha256',
          '-subject',
          '-ext',
          'subjectAltName',
        ])
      ).stdout;
    };
    const servedInfo = await fingerprint(served ?? '');
    expect(servedInfo).toBe(await fingerprint(issued));
    expect(servedInfo).toContain(`CN = ${broker.host}`);
    expect(servedInfo).toMatch(new RegExp(`DNS:${broker.host.replaceAll('.', '\\.')}`));
    expect(servedInfo).toContain(`IP Address:${broker.address}`);
  });

  it.each(['-tls1_2', '-tls1_3'])(
    'refuses a handshake without a client certificate (%s)',
    async (version) => {
      // -ign_eof: keep reading until the server closes, so the TLS 1.3 post-handshake alert arrives.
      const result = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `${broker.address}:${MQTT_TLS_PORT}`,
          '-servername',
          broker.host,
          '-CAfile',
          caChain,
          version,
          '-ign_eof',
        ],
        { timeoutMs: 20_000 },
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/alert (bad certificate|certificate required|handshake failure)/);
    },
  );

  it('mosquitto_pub connects with the client bundle and is refused without it', async () => {
    const base = [
      '-h',
      broker.address,
      '-p',
      String(MQTT_TLS_PORT),
      '--cafile',
      caChain,
      '-q',
      '1',
      '-m',
      'mtls',
    ];
    const topic = uniqueTopic('tls/mosquitto');
    const withCert = await run('mosquitto_pub', [
      ...base,
      '-t',
      topic,
      '--cert',
      clientCert,
      '--key',
      clientKey,
    ]);
    expect(withCert.code, withCert.stderr).toBe(0);
    const withoutCert = await run('mosquitto_pub', [...base, '-t', topic]);
    expect(withoutCert.code).not.toBe(0);
  });

  it('mqtt.js completes a QoS 1 round trip over mutual TLS, verifying the name from the SAN', async () => {
    const topic = uniqueTopic('tls/mqttjs');
    const received = await roundTrip(`mqtts://${broker.address}:${MQTT_TLS_PORT}`, topic, 'over mTLS', {
      ca: readFileSync(caChain),
      cert: readFileSync(clientCert),
      key: readFileSync(clientKey),
      // mqtt.js sends no SNI for an IP; verify the certificate against the node's name explicitly.
      servername: broker.host,
      rejectUnauthorized: true,
    });
    expect(received).toBe('over mTLS');
  });

  it('mqtt.js refuses the certificate when the expected name is not in its SAN', async () => {
    const other = node(2);
    const attempt = roundTrip(
      `mqtts://${broker.address}:${MQTT_TLS_PORT}`,
      uniqueTopic('tls/wrong-name'),
      'x',
      {
        ca: readFileSync(caChain),
        cert: readFileSync(clientCert),
        key: readFileSync(clientKey),
        servername: other.host,
        rejectUnauthorized: true,
      },
    );
    await expect(attempt).rejects.toThrow(/altnames|does not match|ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});
