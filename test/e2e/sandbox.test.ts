// The test bed itself, on whichever fleet runs: real sshd per node with its own host key, each
// node's files its own, and a real HiveMQ broker per node that serves MQTT. What only one kind of
// fleet has is tested in namespace/ and container/.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fleet,
  layout,
  literal,
  NODE_PATHS,
  node,
  nodes,
  readFile,
  run,
  ssh,
  sshArgs,
  sshOk,
  sshPort,
  uniqueTopic,
} from './support/fleet.js';
import { mosquittoSub } from './support/mosquitto.js';
import { connect, nextMessage, roundTrip } from './support/mqtt.js';
import { resetToPlain } from './support/reset.js';

// Other files leave the fleet deployed with TLS; these tests are about the stock test bed.
beforeAll(() => resetToPlain(nodes), 300_000);

/** The recorded host key of a node: its line in the fleet's known_hosts. */
function recordedHostKey(address: string): string {
  const line = readFileSync(layout.knownHosts, 'utf8')
    .split('\n')
    .find((entry) => new RegExp(`^(${literal(address)}|\\[${literal(address)}\\]:\\d+)[, ]`).test(entry));
  if (line === undefined) throw new Error(`no known_hosts line for ${address}`);
  return line.split(/\s+/).slice(1, 3).join(' ');
}

const sudo = fleet.login.become ? 'sudo -n ' : '';

describe('ssh', () => {
  it.each(nodes.map((n) => [n.name, n] as const))(
    '%s answers with its recorded host key',
    async (_, target) => {
      const result = await ssh(target, 'echo "$(id -un) $SSH_CONNECTION"');
      expect(result.stderr).not.toMatch(/WARNING|Permanently added/);
      expect(result.code).toBe(0);
      // The session lands on this node's address, as the inventory's user.
      expect(result.stdout.trim()).toMatch(
        new RegExp(`^${fleet.login.user} \\S+ \\d+ ${literal(target.address)} ${sshPort()}$`),
      );
    },
  );

  it('host keys differ per node: broker2 presenting as broker1 is refused', async () => {
    // A known_hosts that lists broker1's key for broker2's address: strict checking must refuse.
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-tls-e2e-'));
    const wrong = path.join(dir, 'known_hosts');
    const broker1Key = recordedHostKey(node(1).address);
    expect(broker1Key).not.toBe(recordedHostKey(node(2).address));
    writeFileSync(wrong, `${node(2).address} ${broker1Key}\n`);
    const result = await run('ssh', [...sshArgs(node(2), wrong), 'true']);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
});

describe('nodes', () => {
  it('each node sees only its own /etc/ssl/hivemq and /opt/hivemq', async () => {
    const marker = `marker-${Date.now()}`;
    const file = `${NODE_PATHS.ssl}/${marker}`;
    await sshOk(node(1), `${sudo}mkdir -p ${NODE_PATHS.ssl} && echo broker1 | ${sudo}tee ${file} >/dev/null`);
    try {
      expect(await sshOk(node(1), `${sudo}cat ${file}`)).toBe('broker1\n');
      // Root's own view of the node agrees; the other nodes have no such file.
      expect(await readFile(node(1), file)).toBe('broker1\n');
      for (const other of [node(2), node(3)]) {
        expect((await ssh(other, `test -e ${file}`)).code).toBe(1);
        expect((await fleet.exec(other, ['test', '-e', file])).code).toBe(1);
      }
      // /opt/hivemq is per node too: each broker's config binds its own address. Read as root:
      // once deploy-tls wrote it, config.xml holds store passwords and others may not read it.
      for (const target of nodes) {
        expect(await sshOk(target, `${sudo}grep -o '<bind-address>[^<]*' ${NODE_PATHS.configXml}`)).toContain(
          target.address,
        );
      }
    } finally {
      await sshOk(node(1), `${sudo}rm -f ${file}`);
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
