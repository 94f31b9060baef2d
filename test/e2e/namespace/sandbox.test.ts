// What only the namespace sandbox has: one mount namespace per node over this machine's folders,
// and hivemq-service as the broker's service manager (the broker runs as root). Runs only on that
// fleet (vitest.config.ts selects this folder for DEPLOY_TLS_FLEET=namespace).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MOUNT_POINTS, nodeLayout, sandboxLayout } from '../../../scripts/sandbox/layout.js';
import { fleet, node, nodes, ssh, sshOk, uniqueTopic, waitUntilMqttAccepts } from '../support/fleet.js';
import { roundTrip } from '../support/mqtt.js';
import { resetToPlain } from '../support/reset.js';

/** This machine's folders behind node `index`'s /etc/ssl/hivemq and /opt/hivemq. */
const hostFolders = (index: number) => nodeLayout(sandboxLayout(), index);

beforeAll(async () => {
  expect(fleet.id).toBe('namespace');
  await resetToPlain(nodes);
}, 300_000);

describe('mount namespaces', () => {
  it("a node's /etc/ssl/hivemq is its own folder on this machine, seen by no other node", async () => {
    const marker = `marker-${Date.now()}`;
    await sshOk(node(1), `echo broker1 > ${MOUNT_POINTS.ssl}/${marker}`);
    try {
      expect(await sshOk(node(1), `cat ${MOUNT_POINTS.ssl}/${marker}`)).toBe('broker1\n');
      // It landed in broker1's folder on the host, and nowhere else.
      expect(existsSync(path.join(hostFolders(1).sslDir, marker))).toBe(true);
      expect(existsSync(path.join(MOUNT_POINTS.ssl, marker))).toBe(false);
      for (const other of [node(2), node(3)]) {
        expect((await ssh(other, `test -e ${MOUNT_POINTS.ssl}/${marker}`)).code).toBe(1);
      }
    } finally {
      await sshOk(node(1), `rm -f ${MOUNT_POINTS.ssl}/${marker}`);
    }
  });
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
    expect(readFileSync(path.join(hostFolders(3).homeDir, 'hivemq.pid'), 'utf8').trim()).toBe(pid);
    const topic = uniqueTopic('after-restart');
    expect(await roundTrip(`mqtt://${target.address}:1883`, topic, 'still here')).toBe('still here');
  });
});
