// Readiness, not absence, on a real HiveMQ CE: while the broker is down its TLS port refuses
// connections exactly as it does when the restored config has no TLS listener, so the proof of a
// rollback to "no TLS" first waits until the broker answers again (MQTT CONNACK on its plain
// listener, or its log says it started with the restored listeners), then checks the TLS port.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_LOG } from '../../../scripts/sandbox/broker.js';
import { MQTT_PORT, MQTT_TLS_PORT } from '../../../scripts/sandbox/layout.js';
import { mqttAccepts } from '../../../scripts/sandbox/probes.js';
import { systemClock } from '../../../src/clock.js';
import { readPlainListeners } from '../../../src/hivemq/config.js';
import { logMark, startedSignal } from '../../../src/hivemq/service.js';
import type { Remote } from '../../../src/remote/remote.js';
import {
  mqttSignals,
  plainMqttEndpoints,
  proveNoTlsListener,
  waitUntilAnswering,
} from '../../../src/smoke/readiness.js';
import { probeTls } from '../../../src/smoke/tls-probe.js';
import { sshOk } from '../support/fleet.js';
import { connectNode } from '../support/remote.js';
import { resetToPlain } from '../support/reset.js';
import { node } from './sandbox-fleet.js';

const broker = node(2);
let remote: Remote;
const tls = { address: broker.address, port: MQTT_TLS_PORT, host: broker.host, ca: '' };
const signals = () =>
  mqttSignals(
    plainMqttEndpoints(
      readPlainListeners(readFileSync(path.join(broker.homeDir, 'conf', 'config.xml'), 'utf8')),
      broker.address,
    ),
  );

beforeAll(async () => {
  await resetToPlain([broker]);
  remote = await connectNode(broker);
}, 180_000);

afterAll(async () => {
  await remote?.close();
  await resetToPlain([broker]);
});

describe('a node without a TLS listener, after a restart', () => {
  it('looks the same on the TLS port while the broker is down: absence proves nothing', async () => {
    await sshOk(broker, '/opt/hivemq/bin/hivemq-service stop', 60_000);
    await expect(probeTls({ ...tls, timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(waitUntilAnswering(signals(), 3_000, systemClock)).rejects.toThrow(
      /did not answer within 3 s/,
    );
  });

  it('is proven once it answers MQTT on its plain listener, and only then', async () => {
    await sshOk(broker, '/opt/hivemq/bin/hivemq-service stop', 60_000);
    // start returns once the JVM has a PID, seconds before the broker listens.
    await sshOk(broker, '/opt/hivemq/bin/hivemq-service start', 60_000);
    const proof = await proveNoTlsListener(tls, signals(), 90_000, systemClock);
    expect(proof).toBe(`MQTT on ${broker.address}:${MQTT_PORT}`);
    expect(await mqttAccepts(broker.address, MQTT_PORT)).toBe(true);
  });

  it('is proven from the log too: "Started HiveMQ" with the restored listener’s start line', async () => {
    await sshOk(broker, '/opt/hivemq/bin/hivemq-service stop', 60_000);
    const mark = await logMark(remote, BROKER_LOG);
    const fromLog = startedSignal(remote, BROKER_LOG, mark, [
      { kind: 'tcp', bindAddress: broker.address, port: MQTT_PORT },
    ]);
    expect(await fromLog.check()).toBe(false);
    await sshOk(broker, '/opt/hivemq/bin/hivemq-service start', 60_000);
    expect(await proveNoTlsListener(tls, [fromLog], 90_000, systemClock)).toBe(
      `${BROKER_LOG}: Started HiveMQ`,
    );
    // A listener this start did not open keeps the log signal from passing.
    const other = startedSignal(remote, BROKER_LOG, mark, [
      { kind: 'tcp', bindAddress: '0.0.0.0', port: MQTT_PORT },
    ]);
    expect(await other.check()).toBe(false);
  });
});
