// The sandbox itself: real sshd per node with its own host key, one mount namespace per node, and a
// real HiveMQ broker per node that serves MQTT, restarts under a new PID, and serves again.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MOUNT_POINTS } from '../../scripts/sandbox/layout.js';
import {
  node,
  nodes,
  run,
  ssh,
  sshArgs,
  sshOk,
  sshPort,
  uniqueTopic,
  waitUntilMqttAccepts,
} from './support/fleet.js';
import { mosquittoSub } from './support/mosquitto.js';
import { connect, nextMessage, roundTrip } from './support/mqtt.js';
import { resetToPlain } from './support/reset.js';

// Other files leave the fleet deployed with TLS; these tests are about the stock sandbox.
beforeAll(() => resetToPlain(nodes), 300_000);

describe('ssh', () => {
  it.each(nodes.map((n) => [n.name, n] as const))(
    '%s answers with its recorded host key',
    async (_, target) => {
      const result = await ssh(target, 'echo "$(id -un) $SSH_CONNECTION"');
      expect(result.stderr).not.toMatch(/WARNING|Permanently added/);
      expect(result.code).toBe(0);
      // The session lands on this node's address, as root.
      expect(result.stdout.trim()).toMatch(
        new RegExp(`^root \\S+ \\d+ ${target.address.replaceAll('.', '\\.')} ${sshPort()}$`),
      );
    },
  );

  it('host keys differ per node: broker2 presenting as broker1 is refused', async () => {
    // A known_hosts that lists broker1's key for broker2's address: strict checking must refuse.
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-tls-e2e-'));
    const wrong = path.join(dir, 'known_hosts');
    const broker1Key = readFileSync(`${node(1).hostKey}.pub`, 'utf8')
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
    writeFileSync(wrong, `${node(2).address} ${broker1Key}\n`);
    const result = await run('ssh', [...sshArgs(node(2), wrong), 'true']);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
});

describe('mount namespaces', () => {
  it('each node sees only its own /etc/ssl/hivemq and /opt/hivemq', async () => {
    const marker = `marker-${Date.now()}`;
    await sshOk(node(1), `echo broker1 > ${MOUNT_POINTS.ssl}/${marker}`);
    try {
      expect(await sshOk(node(1), `cat ${MOUNT_POINTS.ssl}/${marker}`)).toBe('broker1\n');
      // It landed in broker1's folder on the host, and nowhere else.
      expect(existsSync(path.join(node(1).sslDir, marker))).toBe(true);
      expect(existsSync(path.join(MOUNT_POINTS.ssl, marker))).toBe(false);
      for (const other of [node(2), node(3)]) {
        expect((await ssh(other, `test -e ${MOUNT_POINTS.ssl}/${marker}`)).code).toBe(1);
      }
      // /opt/hivemq is per node too: each broker's config binds its own address.
      for (const target of nodes) {
        expect(
          await sshOk(target, `grep -o '<bind-address>[^<]*' ${MOUNT_POINTS.home}/conf/config.xml`),
        ).toContain(target.address);
      }
    } finally {
      await sshOk(node(1), `rm -f ${MOUNT_POINTS.ssl}/${marker}`);
    }
  });
});

describe('plain MQTT', () => {
  it.each(nodes.map((n) => [n.name, n] as const))(
    '%s: mqtt.js subscribe + QoS 1 publish',
    async (_, target) => {
      const topic = uniqueTopic(`mqttjs/${target.name}`);
      expect(await roundTrip(`mqtt://${target.address}:1883`, topic, 'hello from mqtt.js')).toBe(
        'hello from mqtt.js',
      );
    },
  );

  it.each(nodes.map((n) => [n.name, n] as const))(
    '%s: mosquitto_pub → mosquitto_sub and mqtt.js',
    async (_, target) => {
      const topic = uniqueTopic(`mosquitto/${target.name}`);
      const subscriber = await connect(`mqtt://${target.address}:1883`);
      try {
        await subscriber.subscribeAsync(topic, { qos: 1 });
        const viaMqttJs = nextMessage(subscriber, topic);
        const mosquitto = mosquittoSub(['-h', target.address, '-t', topic, '-q', '1']);
        await mosquitto.subscribed;
        const published = await run('mosquitto_pub', [
          '-h',
          target.address,
          '-t',
          topic,
          '-q',
          '1',
          '-m',
          'hello from mosquitto',
        ]);
        expect(published.code, published.stderr).toBe(0);
        expect(await viaMqttJs).toBe('hello from mosquitto');
        const received = await mosquitto.done;
        expect(received.code, received.stderr).toBe(0);
        expect(received.stdout.split('\n')).toContain('hello from mosquitto');
      } finally {
        await subscriber.endAsync();
      }
    },
  );
});

describe('hivemq-service', () => {
  it('restart gives a new PID and the broker serves again', async () => {
    const target = node(3);
    const before = (await sshOk(target, '/opt/hivemq/bin/hivemq-service status')).trim();
    expect(before).toMatch(/^running \d+$/);
    const started = Date.now();
    const restarted = (await sshOk(target, '/opt/hivemq/bin/hivemq-service restart', 60_000)).trim();
    const restartReturnedMs = Date.now() - started;
    await waitUntilMqttAccepts(target, 60_000);
    const servingMs = Date.now() - started;
    console.log(
      `[measure] ${target.name}: restart returned after ${restartReturnedMs} ms, serving after ${servingMs} ms`,
    );
    expect(restarted).toMatch(/^started \d+$/);
    expect(restarted.split(' ')[1]).not.toBe(before.split(' ')[1]);
    expect((await sshOk(target, '/opt/hivemq/bin/hivemq-service status')).trim()).toBe(
      restarted.replace('started', 'running'),
    );
    // The JVM was started over ssh, so it must live in the node's namespace and outlive the session.
    const pid = restarted.split(' ')[1];
    expect(readFileSync(path.join(target.homeDir, 'hivemq.pid'), 'utf8').trim()).toBe(pid);
    const topic = uniqueTopic('after-restart');
    expect(await roundTrip(`mqtt://${target.address}:1883`, topic, 'still here')).toBe('still here');
  });
});
