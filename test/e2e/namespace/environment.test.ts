// tls.passwordsIn: environment on a real HiveMQ CE: config.xml holds ${ENV:…} placeholders and no
// password, the service script loads the root-only environment file (as systemd's EnvironmentFile=
// does in production), the broker serves mutual TLS, and a new keystore at the same path with the
// same passwords is hot-reloaded without a restart. Without the file, HiveMQ refuses to start.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HiveMQ placeholders are ${…} in plain strings
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerPid } from '../../../scripts/sandbox/broker.js';
import { MOUNT_POINTS, MQTT_TLS_PORT } from '../../../scripts/sandbox/layout.js';
import { waitFor } from '../../../scripts/sandbox/processes.js';
import { applyTlsConfig } from '../../../src/hivemq/config.js';
import {
  ENVIRONMENT_FILE_MODE,
  environmentFileHolds,
  environmentFileText,
  PASSWORD_PLACEHOLDERS,
} from '../../../src/hivemq/environment.js';
import { storePasswords } from '../../../src/keystore/index.js';
import { Secret } from '../../../src/secret.js';
import { probeTls } from '../../../src/smoke/tls-probe.js';
import { treeHashes } from '../../helpers/cli.js';
import { run, ssh, sshOk, uniqueTopic } from '../support/fleet.js';
import {
  configPath,
  installStore,
  issueNode,
  logMarks,
  logSize,
  logsSince,
  restartAndWaitForLog,
  waitForLog,
} from '../support/hand-tls.js';
import { roundTrip } from '../support/mqtt.js';
import { resetToPlain } from '../support/reset.js';
import { CLI, type InventoryDoc, workspace } from '../support/workspace.js';
import { node } from './sandbox-fleet.js';

const broker = node(1);
const ws = workspace('environment');
// Passwords an XML file or a shell would misread unless both escapings are right.
const secrets = {
  HIVEMQ_KEYSTORE_PASSWORD: `ks <&>"'$\`\\ \${HOME} ${ws.secrets.HIVEMQ_KEYSTORE_PASSWORD}`,
  HIVEMQ_TRUSTSTORE_PASSWORD: `ts $HOME \${ENV:X} ${ws.secrets.HIVEMQ_TRUSTSTORE_PASSWORD}`,
};
const env = { ...process.env, ...ws.secrets, ...secrets };
const issued = (name: string) => path.join(ws.work, name);
const envFile = path.join(broker.sslDir, 'hivemq-tls.env');
const TLS_STARTED = `Started TCP Listener with TLS on address ${broker.address} and on port ${MQTT_TLS_PORT}.`;
let firstSerial = '';

/** deploy-tls with this file's passwords (or `extra` ones) in its environment (never argv). */
async function deployTls(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const result = await run('node', [CLI, ...args], { env: { ...env, ...extra }, timeoutMs: 240_000 });
  if (result.code !== 0)
    throw new Error(`deploy-tls ${args.join(' ')} exited ${result.code}: ${result.stdout}\n${result.stderr}`);
  return result;
}

function writeEnvironmentFile(): void {
  writeFileSync(
    envFile,
    environmentFileText(
      storePasswords('jks', {
        keystore: new Secret(secrets.HIVEMQ_KEYSTORE_PASSWORD, 'test'),
        truststore: new Secret(secrets.HIVEMQ_TRUSTSTORE_PASSWORD, 'test'),
      }),
    ),
    { mode: ENVIRONMENT_FILE_MODE },
  );
  chmodSync(envFile, ENVIRONMENT_FILE_MODE);
}

beforeAll(async () => {
  await resetToPlain([broker]);
  await deployTls(['ca', 'init', '--ca-dir', ws.caDir]);
  await deployTls([
    'issue',
    'client',
    '--ca-dir',
    ws.caDir,
    '--name',
    'mqtt-client',
    '--out',
    ws.client,
    '--plain-key',
  ]);
  firstSerial = await issueNode(deployTls, ws.caDir, broker, issued('first'));
  installStore(broker, path.join(issued('first'), 'hivemq-keystore.jks'), 'hivemq-keystore.jks');
  installStore(broker, path.join(issued('first'), 'hivemq-truststore.jks'), 'hivemq-truststore.jks');
  const stores = `${MOUNT_POINTS.ssl}/hivemq`;
  writeFileSync(
    configPath(broker),
    applyTlsConfig(readFileSync(configPath(broker), 'utf8'), {
      edition: 'community',
      listener: {
        name: 'secure-listener',
        port: MQTT_TLS_PORT,
        bindAddress: broker.address,
        keystore: {
          path: `${stores}-keystore.jks`,
          password: PASSWORD_PLACEHOLDERS.keystore,
          privateKeyPassword: PASSWORD_PLACEHOLDERS.key,
        },
        truststore: { path: `${stores}-truststore.jks`, password: PASSWORD_PLACEHOLDERS.truststore },
        clientAuthenticationMode: 'REQUIRED',
      },
    }),
  );
  writeEnvironmentFile();
  await restartAndWaitForLog(broker, [TLS_STARTED]);
}, 300_000);

afterAll(async () => {
  await resetToPlain([broker]);
  rmSync(ws.work, { recursive: true, force: true });
});

const client = () => ({
  ca: readFileSync(ws.chain),
  cert: readFileSync(path.join(ws.client, 'mqtt-client.cert.pem')),
  key: readFileSync(path.join(ws.client, 'mqtt-client.key.pem')),
  servername: broker.host,
  rejectUnauthorized: true,
});

const served = () =>
  probeTls({
    address: broker.address,
    port: MQTT_TLS_PORT,
    host: broker.host,
    ca: readFileSync(ws.chain, 'utf8'),
    timeoutMs: 5_000,
  });

describe('passwords in the environment, not in config.xml', () => {
  it('config.xml holds placeholders and no password', () => {
    const config = readFileSync(configPath(broker), 'utf8');
    expect(config).toContain('<password>${ENV:HIVEMQ_TLS_KEYSTORE_PASSWORD}</password>');
    for (const password of Object.values(secrets)) expect(config).not.toContain(password.slice(-20));
  });

  it('the broker serves the issued certificate and a mutual-TLS round trip', async () => {
    expect((await served()).serial).toBe(firstSerial);
    const topic = uniqueTopic('environment');
    expect(await roundTrip(`mqtts://${broker.address}:${MQTT_TLS_PORT}`, topic, 'env', client())).toBe('env');
  });

  it('hot-reloads a new keystore at the same path with the same passwords, without a restart', async () => {
    const pid = brokerPid(broker);
    const from = logSize(broker);
    const secondSerial = await issueNode(deployTls, ws.caDir, broker, issued('second'));
    expect(secondSerial).not.toBe(firstSerial);
    installStore(broker, path.join(issued('second'), 'hivemq-keystore.jks'), 'hivemq-keystore.jks');
    await waitForLog(broker, from, ['Successfully updated changed SSL Context'], 40_000);
    await waitFor(
      'the new serial to be served',
      async () => (await served()).serial === secondSerial || undefined,
      {
        timeoutMs: 20_000,
        intervalMs: 500,
      },
    );
    expect(brokerPid(broker)).toBe(pid);
    const topic = uniqueTopic('environment-reloaded');
    expect(await roundTrip(`mqtts://${broker.address}:${MQTT_TLS_PORT}`, topic, 'after', client())).toBe(
      'after',
    );
  });

  it('without the environment file HiveMQ CE falls back to its default config: never restart without it', async () => {
    // Found here: CE 2025.5 logs the missing variable and then "Using default config" (plain MQTT on
    // 0.0.0.0:1883, no TLS) instead of exiting. The sandbox's default listener then cannot bind
    // (the other nodes hold their :1883), in production it would serve plain MQTT. So the rollout
    // must write the file with (or before) the config and check that the service loads it.
    rmSync(envFile);
    const marks = logMarks(broker);
    await sshOk(broker, '/opt/hivemq/bin/hivemq-service restart', 90_000);
    const text = await waitFor(
      'the missing variable and the fallback in the logs',
      () => {
        const logs = logsSince(broker, marks);
        return logs.includes(
          'Environment Variable HIVEMQ_TLS_KEYSTORE_PASSWORD for HiveMQ config.xml is not set.',
        ) && logs.includes('Using default config')
          ? logs
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(text).not.toContain(TLS_STARTED);
    await expect(served()).rejects.toThrow();
    // With the file back, it starts and serves TLS again.
    writeEnvironmentFile();
    await restartAndWaitForLog(broker, [TLS_STARTED]);
    expect((await served()).protocol).toMatch(/TLSv1\.[23]/);
  });

  it('the service script refuses an environment file others could read', async () => {
    chmodSync(envFile, 0o644);
    const result = await ssh(broker, '/opt/hivemq/bin/hivemq-service restart', 60_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/hivemq-tls.env must be root's and 0600/);
    expect(brokerPid(broker)).toBeUndefined();
  });
});

describe('environment mode through the rollout itself', () => {
  let inventory = '';
  const nodeFiles = () => ({
    ssl: treeHashes(broker.sslDir),
    conf: treeHashes(path.join(broker.homeDir, 'conf')),
  });
  const deployedSerial = () =>
    readFileSync(path.join(ws.caDir, 'deployments.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { node: string; serial: string })
      .findLast((entry) => entry.node === broker.name)?.serial;

  beforeAll(async () => {
    await resetToPlain([broker]);
    inventory = ws.writeInventory('environment.yaml', (doc) => {
      const only = doc.nodes.find((n) => n.name === broker.name) as InventoryDoc['nodes'][number] & {
        tls: Record<string, unknown>;
      };
      only.tls = { ...only.tls, passwordsIn: 'environment' };
      doc.nodes = [only];
    });
  }, 300_000);

  it('serves mutual TLS with no password in config.xml: placeholders there, values in a root-only file', async () => {
    const result = await deployTls(['--inventory', inventory]);
    expect(result.stdout).toMatch(/broker1\s+deployed\s+restart/);
    const config = readFileSync(configPath(broker), 'utf8');
    expect(config).toContain('<password>${ENV:HIVEMQ_TLS_KEYSTORE_PASSWORD}</password>');
    expect(config).toContain(
      '<private-key-password>${ENV:HIVEMQ_TLS_PRIVATE_KEY_PASSWORD}</private-key-password>',
    );
    expect(config).toContain('<password>${ENV:HIVEMQ_TLS_TRUSTSTORE_PASSWORD}</password>');
    for (const password of Object.values(secrets)) expect(config).not.toContain(password.slice(-24));
    const file = statSync(envFile);
    expect([file.uid, file.mode & 0o777]).toEqual([0, 0o600]);
    expect(
      environmentFileHolds(
        readFileSync(envFile, 'utf8'),
        envFile,
        storePasswords('jks', {
          keystore: new Secret(secrets.HIVEMQ_KEYSTORE_PASSWORD, 'test'),
          truststore: new Secret(secrets.HIVEMQ_TRUSTSTORE_PASSWORD, 'test'),
        }),
      ),
    ).toBe(true);
    expect((await served()).serial).toBe(deployedSerial());
    await deployTls(['verify', '--inventory', inventory]);
  });

  it('a second run changes nothing; a rotation (same passwords) hot-reloads without a restart', async () => {
    const before = nodeFiles();
    const pid = brokerPid(broker);
    const again = await deployTls(['--inventory', inventory]);
    expect(again.stdout).toMatch(/broker1\s+unchanged\s+none/);
    expect(nodeFiles()).toEqual(before);

    const rotated = await deployTls(['rotate', '--inventory', inventory, '--force']);
    expect(rotated.stdout).toMatch(/broker1\s+deployed\s+hot-reload/);
    expect(brokerPid(broker)).toBe(pid);
    expect((await served()).serial).toBe(deployedSerial());
    expect(treeHashes(path.join(broker.homeDir, 'conf'))).toEqual(before.conf);
  });

  it('a new keystore password: config.xml stays, the file changes, and the plan says the broker must restart', async () => {
    const config = readFileSync(configPath(broker), 'utf8');
    const changed = { HIVEMQ_KEYSTORE_PASSWORD: `${secrets.HIVEMQ_KEYSTORE_PASSWORD} (new)` };
    const plan = await deployTls(['plan', '--inventory', inventory], changed);
    expect(plan.stdout).toContain(
      `restart to put the files in effect: ${MOUNT_POINTS.ssl}/hivemq-tls.env holds other passwords: HiveMQ reads the \${ENV:…} passwords only when it starts`,
    );
    expect(plan.stdout).not.toContain('/opt/hivemq/conf/config.xml');
    const pid = brokerPid(broker);
    const result = await deployTls(['--inventory', inventory], changed);
    expect(result.stdout).toMatch(/broker1\s+deployed\s+restart/);
    expect(brokerPid(broker)).not.toBe(pid);
    expect(readFileSync(configPath(broker), 'utf8')).toBe(config);
    expect((await served()).serial).toBe(deployedSerial());
    await deployTls(['verify', '--inventory', inventory], changed);
  });
});
