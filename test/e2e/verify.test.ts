// deploy-tls verify on the sandbox's real HiveMQ: every positive and negative check passes on a
// deployed fleet, and a node switched to client-authentication-mode NONE is caught.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_PATHS, node, nodes, readFile, restartBroker, sshOk, writeFile } from './support/fleet.js';
import { resetToPlain } from './support/reset.js';
import { workspace } from './support/workspace.js';

const { work, deployTls, initCa, ok, writeInventory } = workspace('verify');
let inventory: string;

async function restartAndWait(index: number, port = 8883) {
  await restartBroker(node(index));
  // serving again = a TLS handshake on the port, not a started process
  await sshOk(
    node(index),
    `for i in $(seq 120); do (exec 3<>/dev/tcp/${node(index).address}/${port}) 2>/dev/null && exit 0; sleep 0.5; done; exit 1`,
    90_000,
  );
}

beforeAll(async () => {
  await resetToPlain(nodes);
  await initCa();
  inventory = writeInventory('inventory.yaml');
  await ok(['--inventory', inventory]);
}, 300_000);

describe('deploy-tls verify', () => {
  it('passes every check on a deployed fleet, and writes JUnit and JSON', async () => {
    const junit = path.join(work, 'verify.xml');
    const result = await deployTls(['verify', '--inventory', inventory, '--junit', junit]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('✔ 30 checks passed');
    for (const check of [
      'refused without a client certificate',
      'refused with a foreign CA certificate',
      'refused for a name outside the SAN',
      'TLS 1.0 refused',
      'TLS 1.1 refused',
    ]) {
      expect(
        result.stdout.split('\n').filter((line) => line.includes(check) && line.includes('✔')),
      ).toHaveLength(3);
    }
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(30);
    expect(xml).not.toContain('<failure');
    const json = JSON.parse((await deployTls(['verify', '--inventory', inventory, '--json'])).stdout);
    expect(json.ok).toBe(true);
    expect(
      json.results.filter((r: { check: string }) => r.check === 'mTLS MQTT 3.1.1 round trip'),
    ).toHaveLength(3);
  });

  describe('a node whose listener stopped asking for client certificates', () => {
    const config = NODE_PATHS.configXml;
    let original = '';
    beforeAll(async () => {
      original = await readFile(node(2), config);
      await writeFile(
        node(2),
        config,
        original.replace('<client-authentication-mode>REQUIRED<', '<client-authentication-mode>NONE<'),
      );
      await restartAndWait(2);
    }, 120_000);
    afterAll(async () => {
      await writeFile(node(2), config, original);
      await restartAndWait(2);
    }, 120_000);

    it('is caught: the no-client-certificate check fails and verify exits 1', async () => {
      const result = await deployTls(['verify', '--inventory', inventory, '--json']);
      expect(result.code).toBe(1);
      const failed = JSON.parse(result.stdout).results.filter((r: { ok: boolean }) => !r.ok);
      expect(failed.map((r: { node: string; check: string }) => `${r.node}: ${r.check}`)).toContain(
        'broker2: refused without a client certificate',
      );
      expect(failed.every((r: { node: string }) => r.node === 'broker2')).toBe(true);
      expect(failed[0].observed).toBe('accepted: the connection got a CONNACK');
    });
  });

  it('an unreachable listener is classified with a hint', async () => {
    const moved = writeInventory('moved.yaml', (doc) => {
      const third = doc.nodes[2] as { tls?: { listener?: Record<string, unknown> } };
      third.tls = { listener: { ...third.tls?.listener, port: 8899 } };
    });
    const result = await deployTls(['verify', '--inventory', moved, '--json']);
    expect(result.code).toBe(1);
    const served = JSON.parse(result.stdout).results.find(
      (r: { node: string; check: string }) =>
        r.node === 'broker3' && r.check === 'served chain is the deployed one',
    );
    expect(served).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(served.hint).toContain('TLS listener');
  });
});
