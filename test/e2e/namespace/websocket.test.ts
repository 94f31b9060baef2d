// A node with a tls-tcp-listener and a tls-websocket-listener, written by our config editor onto
// real HiveMQ CE: both serve the issued certificate, and the verification matrix passes on each,
// over mqtts:// and over wss://host:port/path, negative checks included.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOUNT_POINTS, MQTT_TLS_PORT } from '../../../scripts/sandbox/layout.js';
import { applyTlsConfig } from '../../../src/hivemq/config.js';
import { foreignClientIdentity } from '../../../src/pki/throwaway.js';
import { type CheckResult, type MatrixTarget, runMatrix } from '../../../src/smoke/matrix.js';
import { mqttRoundTrip } from '../../../src/smoke/mqtt-check.js';
import { configPath, installStore, issueNode, restartAndWaitForLog } from '../support/hand-tls.js';
import { resetToPlain } from '../support/reset.js';
import { workspace } from '../support/workspace.js';
import { node } from './sandbox-fleet.js';

const broker = node(3);
const WSS_PORT = 8443;
const WSS_PATH = '/mqtt/secure';
const ws = workspace('websocket');
let target: Omit<MatrixTarget, 'port' | 'transport'>;

beforeAll(async () => {
  await resetToPlain([broker]);
  await ws.initCa();
  const clientDir = await ws.issueClient('mqtt-client');
  const out = path.join(ws.work, 'node');
  const serial = await issueNode(ws.ok, ws.caDir, broker, out);
  installStore(broker, path.join(out, 'hivemq-keystore.jks'), 'hivemq-keystore.jks');
  installStore(broker, path.join(out, 'hivemq-truststore.jks'), 'hivemq-truststore.jks');
  const shared = {
    bindAddress: broker.address,
    keystore: {
      path: `${MOUNT_POINTS.ssl}/hivemq-keystore.jks`,
      password: ws.secrets.HIVEMQ_KEYSTORE_PASSWORD,
      privateKeyPassword: ws.secrets.HIVEMQ_KEYSTORE_PASSWORD,
    },
    truststore: {
      path: `${MOUNT_POINTS.ssl}/hivemq-truststore.jks`,
      password: ws.secrets.HIVEMQ_TRUSTSTORE_PASSWORD,
    },
    clientAuthenticationMode: 'REQUIRED' as const,
    protocols: ['TLSv1.3', 'TLSv1.2'],
  };
  writeFileSync(
    configPath(broker),
    applyTlsConfig(readFileSync(configPath(broker), 'utf8'), {
      edition: 'community',
      listeners: [
        { ...shared, type: 'tcp', name: 'secure-listener', port: MQTT_TLS_PORT },
        { ...shared, type: 'websocket', name: 'secure-websocket-listener', port: WSS_PORT, path: WSS_PATH },
      ],
    }),
  );
  await restartAndWaitForLog(broker, [
    `Started TCP Listener with TLS on address ${broker.address} and on port ${MQTT_TLS_PORT}.`,
    `Started Websocket Listener with TLS on address ${broker.address} and on port ${WSS_PORT}.`,
  ]);
  const issued = new (await import('node:crypto')).X509Certificate(
    readFileSync(path.join(out, `${broker.name}.cert.pem`)),
  );
  target = {
    node: broker.name,
    address: broker.address,
    host: broker.host,
    ca: readFileSync(ws.chain, 'utf8'),
    client: {
      cert: readFileSync(path.join(clientDir, 'mqtt-client.cert.pem'), 'utf8'),
      key: readFileSync(path.join(clientDir, 'mqtt-client.key.pem'), 'utf8'),
    },
    foreignClient: await foreignClientIdentity(new Date()),
    expected: {
      serial,
      sans: [`DNS:${broker.host}`, `IP:${broker.address}`],
      notAfter: new Date(issued.validTo).toISOString(),
    },
    protocols: ['TLSv1.3', 'TLSv1.2'],
    timeoutMs: 10_000,
    now: new Date(),
  };
}, 300_000);

afterAll(async () => {
  await resetToPlain([broker]);
  rmSync(ws.work, { recursive: true, force: true });
});

const failures = (results: CheckResult[]) =>
  results.filter((r) => !r.ok).map((r) => `${r.check}: ${r.observed}`);

describe('the verification matrix on every TLS listener', () => {
  it('passes on the tls-tcp-listener over mqtts://', async () => {
    const results = await runMatrix({ ...target, port: MQTT_TLS_PORT });
    expect(failures(results)).toEqual([]);
    expect(results).toHaveLength(10);
  });

  it('passes on the tls-websocket-listener over wss:// with its path, negative checks included', async () => {
    const results = await runMatrix({
      ...target,
      port: WSS_PORT,
      transport: { type: 'websocket', path: WSS_PATH },
    });
    expect(failures(results)).toEqual([]);
    expect(results.map((r) => r.check)).toContain(`refused without a client certificate (wss ${WSS_PATH})`);
    expect(results.map((r) => r.check)).toContain(`mTLS MQTT 5 round trip (wss ${WSS_PATH})`);
    // Refused for the right reasons, by TLS, not by a wrong path or a dead port.
    const observed = (check: string) =>
      results.find((r) => r.check === `${check} (wss ${WSS_PATH})`)?.observed;
    expect(observed('refused without a client certificate')).toMatch(/refused the client certificate/);
    expect(observed('refused with a foreign CA certificate')).toMatch(/refused the client certificate/);
    expect(observed('refused for a name outside the SAN')).toMatch(/does not cover the name/);
  });

  it('really speaks WebSocket there: mqtts:// to the wss port gets no CONNACK', async () => {
    const attempt = mqttRoundTrip({ ...target, port: WSS_PORT, protocolVersion: 5, timeoutMs: 5_000 });
    await expect(attempt).rejects.toThrow();
    const viaWss = await mqttRoundTrip({
      ...target,
      port: WSS_PORT,
      transport: { type: 'websocket', path: WSS_PATH },
      protocolVersion: 4,
      timeoutMs: 10_000,
    });
    expect(viaWss.roundTripMs).toBeGreaterThanOrEqual(0);
  });
});
