// Crash-safe convergence on real sshd and HiveMQ: a run that dies between installing files and
// confirming them (SIGKILL, Ctrl-C), a ledger that lacks what a node serves, a restart command that
// hangs, and one node's broken config.xml. In every case the next run of the same command finishes
// the job: every node serves a certificate the ledger records, and verify passes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fleet, NODE_PATHS, node, nodes, readFile, writeFile } from './support/fleet.js';
import { resetToPlain } from './support/reset.js';
import { type InventoryDoc, workspace } from './support/workspace.js';

const { caDir, deployTls, initCa, ok, writeInventory } = workspace('convergence');
let inventory: string;

const ledgerFile = () => path.join(caDir, 'deployments.jsonl');
const ledger = () =>
  readFileSync(ledgerFile(), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { node: string; serial: string; result: string });
const PENDING_MARKER = `${NODE_PATHS.ssl}/.deploy-tls-pending.json`;
/** Whether node `index` holds the pending-change marker. */
const hasPendingMarker = async (index: number) =>
  (await fleet.exec(node(index), ['test', '-e', PENDING_MARKER])).code === 0;

/** The proof of convergence: status says every node serves what the ledger records, and verify passes. */
async function converged() {
  const status = await deployTls(['status', '--inventory', inventory, '--json']);
  expect(status.code, status.stderr).toBe(0);
  const rows = JSON.parse(status.stdout).nodes as {
    node: string;
    served: string;
    servedIsRecorded: boolean;
  }[];
  expect(rows.map((row) => [row.node, row.servedIsRecorded])).toEqual(nodes.map((n) => [n.name, true]));
  const verify = await deployTls(['verify', '--inventory', inventory]);
  expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
  for (const n of nodes.keys()) expect(await hasPendingMarker(n + 1)).toBe(false);
}

beforeAll(async () => {
  await resetToPlain(nodes);
  await initCa();
  inventory = writeInventory('inventory.yaml');
}, 300_000);

describe('an interrupted run is finished by the next one', () => {
  it('SIGKILL between install and restart: the rerun restarts the node to finish, not "unchanged"', async () => {
    const killed = await deployTls(['--inventory', inventory], 240_000, { DEPLOY_TLS_FAULT: 'installed' });
    expect(killed.code).not.toBe(0);
    // broker1 has every new file and the marker, but its broker never read config.xml: no TLS yet.
    expect(await hasPendingMarker(1)).toBe(true);
    expect(await readFile(node(1), NODE_PATHS.configXml)).toContain('<tls-tcp-listener>');

    const plan = await deployTls(['plan', '--inventory', inventory]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/● broker1: restart[\s\S]*finish an interrupted change/);

    const rerun = await deployTls(['--inventory', inventory]);
    expect(rerun.code, `${rerun.stdout}\n${rerun.stderr}`).toBe(0);
    expect(rerun.stdout).toMatch(/broker1\s+deployed\s+restart/);
    await converged();
  });

  it('Ctrl-C after a rotation wrote its keystore: the rerun confirms the reload, no restart needed', async () => {
    const before = ledger().length;
    const stopped = await deployTls(['rotate', '--inventory', inventory, '--force'], 240_000, {
      DEPLOY_TLS_FAULT: 'installed:SIGINT',
    });
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('interrupted');
    expect(await hasPendingMarker(1)).toBe(true);
    expect(ledger()).toHaveLength(before); // the new certificate is on the node, not yet in the ledger

    const rerun = await deployTls(['rotate', '--inventory', inventory]);
    expect(rerun.code, `${rerun.stdout}\n${rerun.stderr}`).toBe(0);
    expect(rerun.stdout).toMatch(/broker1\s+deployed\s+hot-reload/);
    expect(ledger().at(-1)).toMatchObject({ node: 'broker1', result: 'deployed' });
    await converged();
  });

  it('a served certificate the ledger lacks is recorded, not re-issued', async () => {
    const lines = readFileSync(ledgerFile(), 'utf8').trim().split('\n');
    const lastOfBroker2 = lines.findLastIndex((line) => JSON.parse(line).node === 'broker2');
    const dropped = JSON.parse(lines[lastOfBroker2] as string);
    writeFileSync(ledgerFile(), `${lines.filter((_, i) => i !== lastOfBroker2).join('\n')}\n`);

    const rerun = await deployTls(['rotate', '--inventory', inventory]);
    expect(rerun.code, `${rerun.stdout}\n${rerun.stderr}`).toBe(0);
    expect(rerun.stdout).toMatch(/broker2\s+recorded\s+none/);
    expect(ledger().at(-1)).toMatchObject({ node: 'broker2', serial: dropped.serial, result: 'deployed' });
    await converged();
  });

  it('a restart command that hangs is killed on the node, the lock is freed, and the next run finishes', async () => {
    const hanging = writeInventory('hanging.yaml', (doc: InventoryDoc) => {
      const broker1 = doc.nodes[0] as InventoryDoc['nodes'][number] & { hivemq?: Record<string, unknown> };
      broker1.hivemq = { restart: 'sleep 600', restartTimeout: 5 };
      for (const n of doc.nodes) n.tls = { listener: { ...n.tls?.listener, port: 8884 } };
    });
    const started = Date.now();
    const stuck = await deployTls(['--inventory', hanging, '--health-timeout', '30']);
    expect(stuck.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(stuck.stdout).toContain('did not finish within 5 s');
    expect(existsSync(path.join(caDir, 'deploy-tls.lock'))).toBe(false);

    const moved = writeInventory('moved.yaml', (doc: InventoryDoc) => {
      for (const n of doc.nodes) n.tls = { listener: { ...n.tls?.listener, port: 8884 } };
    });
    const rerun = await deployTls(['--inventory', moved]);
    expect(rerun.code, `${rerun.stdout}\n${rerun.stderr}`).toBe(0);
    inventory = moved;
    await converged();
  });

  it("a node's broken config.xml is that node's failure, never written back; the others are renewed", async () => {
    const config = NODE_PATHS.configXml;
    const good = { 2: await readFile(node(2), config), 3: await readFile(node(3), config) };
    // broker2: not well-formed; broker3: a character XML 1.0 forbids (HiveMQ could not parse it).
    const broken = {
      2: good[2].replace('</listeners>', ''),
      3: good[3].replace('<listeners>', '<listeners><!-- \u0001 -->'),
    };
    await writeFile(node(2), config, broken[2]);
    await writeFile(node(3), config, broken[3]);
    try {
      const result = await deployTls(['rotate', '--inventory', inventory, '--force', '--json']);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.nodes.map((n: { node: string; status: string }) => [n.node, n.status])).toEqual([
        ['broker1', 'deployed'],
        ['broker2', 'failed'],
        ['broker3', 'failed'],
      ]);
      expect(report.nodes[1].error.message).toMatch(/not well-formed XML/);
      expect(report.nodes[2].error.message).toMatch(/U\+0001 is not a character XML 1\.0 allows/);
      expect(result.stderr).toMatch(/rollout stopped: broker2 failed, broker3 failed\n {2}broker2: /);
      expect(await readFile(node(2), config)).toBe(broken[2]);
      expect(await readFile(node(3), config)).toBe(broken[3]);
    } finally {
      await writeFile(node(2), config, good[2]);
      await writeFile(node(3), config, good[3]);
    }
    await ok(['rotate', '--inventory', inventory]);
    await converged();
  });
});
