// Rotation on the sandbox's real HiveMQ: certificates are replaced in place and HiveMQ reloads
// them with no restart, while one client stays connected and another reconnects in a loop.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/sandbox/processes.js';
import { brokerPid, fleet, nodes, run } from './support/fleet.js';
import { resetToPlain } from './support/reset.js';
import { CLI, workspace } from './support/workspace.js';

const {
  caDir,
  chain,
  client,
  deployTls,
  initCa,
  issueClient,
  mqttTls: tlsOptions,
  ok,
  secrets,
  writeInventory,
} = workspace('rotate');
let inventory: string;

/** Node entries only: the inventory's client bundle is recorded as client:<name>. */
const ledger = () => fullLedger().filter((entry) => !entry.node.startsWith('client:'));
const fullLedger = () =>
  readFileSync(path.join(caDir, 'deployments.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

async function served(nodeIndex: number): Promise<string> {
  const result = await deployTls(['status', '--inventory', inventory, '--json']);
  return JSON.parse(result.stdout).nodes[nodeIndex].served;
}

beforeAll(async () => {
  await resetToPlain(nodes);
  await initCa();
  await issueClient('mqtt-client');
  inventory = writeInventory('inventory.yaml');
  await ok(['--inventory', inventory]);
}, 300_000);

describe('deploy-tls rotate', () => {
  it('nothing is due on a fresh fleet: nothing changes', async () => {
    const before = ledger().length;
    const result = await deployTls(['rotate', '--inventory', inventory]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.match(/broker\d\s+unchanged/g)).toHaveLength(3);
    expect(ledger()).toHaveLength(before);
  });

  it('renews every node with no restart and no failed connection (zero downtime)', async () => {
    const pids = await Promise.all(nodes.map((n) => brokerPid(n)));
    const oldSerials = await Promise.all(nodes.map((_, i) => served(i)));
    // One client stays connected throughout; it must never lose its connection.
    const stayer: MqttClient = await mqtt.connectAsync({
      ...tlsOptions(),
      host: nodes[0]?.address,
      servername: undefined,
    });
    let stayerClosed = 0;
    stayer.on('close', () => stayerClosed++);
    // Another reconnects in a loop to every node, counting refused or failed handshakes.
    let attempts = 0;
    let failures = 0;
    const failuresSeen: string[] = [];
    let rotating = true;
    const looper = (async () => {
      while (rotating) {
        for (const n of nodes) {
          attempts++;
          try {
            const c = await mqtt.connectAsync({ ...tlsOptions(), host: n.address });
            await c.endAsync();
          } catch (error) {
            failures++;
            failuresSeen.push(`${n.name}: ${(error as Error).message}`);
          }
        }
      }
    })();
    const result = await deployTls(['rotate', '--inventory', inventory, '--force']);
    rotating = false;
    await looper;
    await stayer.publishAsync('deploy-tls-e2e/rotate', 'still here', { qos: 1 });
    const closedDuringRotation = stayerClosed; // before our own end() closes it
    await stayer.endAsync();

    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    console.log(
      `[measure] rotation of 3 nodes: ${attempts} reconnects, ${failures} failed; the long-lived client closed ${closedDuringRotation} times`,
    );
    expect(failuresSeen).toEqual([]);
    expect(failures).toBe(0);
    expect(attempts).toBeGreaterThan(30);
    expect(closedDuringRotation).toBe(0);
    expect(await Promise.all(nodes.map((n) => brokerPid(n)))).toEqual(pids);
    const newSerials = await Promise.all(nodes.map((_, i) => served(i)));
    for (const [i, serial] of newSerials.entries()) expect(serial).not.toBe(oldSerials[i]);
    expect(fullLedger().at(-1)).toMatchObject({ node: 'client:mqtt-client', result: 'deployed' }); // --force renews bundles too
    // broker1 first (the canary of rotate's default 1,100%), then the other two at once.
    const rotations = ledger().slice(-3);
    expect(rotations[0]?.node).toBe('broker1');
    const byNode = new Map(rotations.map((e) => [e.node, e]));
    expect(nodes.map((n) => [byNode.get(n.name)?.action, byNode.get(n.name)?.result])).toEqual(
      nodes.map(() => ['hot-reload', 'deployed']),
    );
    expect(nodes.map((n) => byNode.get(n.name)?.serial)).toEqual(newSerials);
  });

  it('--nodes and --renew-before pick what is due', async () => {
    const before = ledger().length;
    const result = await deployTls([
      'rotate',
      '--inventory',
      inventory,
      '--nodes',
      'broker2',
      '--renew-before',
      '400d',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.nodes.map((n: { node: string; status: string }) => [n.node, n.status])).toEqual([
      ['broker2', 'deployed'],
    ]);
    expect(report.plan[0].issueReasons[0]).toMatch(/^expires in 36\d days \(renew 400d before\)$/);
    expect(ledger()).toHaveLength(before + 1);
  });

  it('status shows each node serving what the ledger records, with client certificates required', async () => {
    const result = await deployTls(['status', '--inventory', inventory, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    for (const row of report.nodes) {
      expect(row).toMatchObject({ servedIsRecorded: true, clientAuth: 'REQUIRED', listener: 'reachable' });
      expect(row.daysLeft).toBeGreaterThanOrEqual(364);
      expect(row.lastChange.result).toBe('deployed');
    }
    expect(report.intermediateDaysLeft).toBeGreaterThan(3600);
    expect(report.warnings).toEqual([]);
    // The table: one row per node and TLS listener, the listener named with its address.
    const text = await deployTls(['status', '--inventory', inventory]);
    const broker2 = nodes[1] as (typeof nodes)[number];
    expect(text.stdout).toMatch(
      new RegExp(
        `broker2\\s+[0-9A-F]{32}\\s+\\d{4}-\\d{2}-\\d{2}\\s+36\\d\\s+yes\\s+REQUIRED\\s+secure-listener ${broker2.address.replaceAll('.', '\\.')}:8883: reachable`,
      ),
    );
  });

  it('refuses an unknown node name', async () => {
    const result = await deployTls(['rotate', '--inventory', inventory, '--nodes', 'broker9']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no node or group matches "broker9"');
  });
});

describe('rotation faults', () => {
  it('an unreachable node is reported and does not hold back the others', async () => {
    const withGhost = writeInventory('ghost.yaml', (doc) => {
      doc.nodes.push({
        name: 'broker9',
        host: 'broker9.deploy-tls.test',
        address: fleet.address(99),
      } as never);
    });
    const before = ledger().length;
    const result = await deployTls(['rotate', '--inventory', withGhost, '--force', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.nodes.map((n: { node: string; status: string }) => [n.node, n.status])).toEqual([
      ['broker1', 'deployed'],
      ['broker2', 'deployed'],
      ['broker3', 'deployed'],
      ['broker9', 'failed'],
    ]);
    expect(report.nodes[3].error.message).toContain(
      `cannot connect to ${fleet.login.user}@${fleet.address(99)}`,
    );
    expect(ledger()).toHaveLength(before + 3);

    // status reads the others, names the one it could not read, and says so in its exit code.
    const status = await deployTls(['status', '--inventory', withGhost]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/broker1\s+\S+\s+\S+\s+\d+\s+yes/);
    expect(status.stdout).toContain(`! broker9: cannot connect to ${fleet.login.user}@${fleet.address(99)}`);
    expect(status.stderr).toContain('1 of 4 nodes could not be read or do not serve TLS');
  });

  it('a run killed mid-way leaves every node serving a valid certificate, and the next run completes', async () => {
    const before = ledger().length;
    const child = spawn('node', [CLI, 'rotate', '--inventory', inventory, '--force'], {
      env: { ...process.env, ...secrets },
      stdio: 'ignore',
    });
    // Kill it hard once the first node is done, while the second is being changed.
    await waitFor('the first rotation in the ledger', () => (ledger().length > before ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // HiveMQ picks up whatever keystore is in place within its 10-second re-hash.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    for (const n of nodes) {
      const check = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `${n.address}:8883`,
          '-CAfile',
          chain,
          '-verify_hostname',
          n.host,
          '-cert',
          path.join(client, 'mqtt-client.cert.pem'),
          '-key',
          path.join(client, 'mqtt-client.key.pem'),
        ],
        { timeoutMs: 20_000 },
      );
      expect(check.stdout, n.name).toContain('Verify return code: 0 (ok)');
    }
    expect(existsSync(path.join(caDir, 'deploy-tls.lock'))).toBe(true); // left behind by the killed run
    const next = await deployTls(['rotate', '--inventory', inventory, '--force']);
    expect(next.code, `${next.stdout}\n${next.stderr}`).toBe(0);
    expect(next.stdout.match(/deployed/g)).toHaveLength(3);
    expect(existsSync(path.join(caDir, 'deploy-tls.lock'))).toBe(false);
  });
});
