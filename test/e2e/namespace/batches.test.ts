// Batches and targeting on six real HiveMQ nodes: a rotation goes canary first, then the other
// five at once, with no failed connection; a node that fails in the second batch is rolled back
// while the rest of its batch completes; --limit and inventory groups pick exactly the named nodes
// in every fleet command. This file brings the shared fleet to six nodes (the others use three).
// Batches, --max-fail and --limit are the control host's logic, the same on any fleet, so they run
// on the namespace fleet only: six containers per Docker fleet would add ~4 minutes each to CI,
// while the node protocol each batch runs is covered on every fleet by rotate and rollout tests.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNodeFile } from '../../../scripts/sandbox/node-files.js';
import { brokerPid, fleet, NODE_PATHS, run } from '../support/fleet.js';
import { resetToPlain } from '../support/reset.js';
import { workspace } from '../support/workspace.js';

const WIDE = 6;
const wide = Array.from({ length: WIDE }, (_, i) => fleet.node(i + 1));
const {
  caDir,
  deployTls,
  initCa,
  issueClient,
  mqttTls,
  ok,
  secrets,
  served: servedCertificate,
  work,
  writeInventory,
} = workspace('batches', {
  nodes: WIDE,
});
const GROUPS: Record<string, string[]> = {
  broker1: ['canary', 'eu'],
  broker2: ['eu'],
  broker3: ['eu'],
  broker4: ['us'],
  broker5: ['us'],
  broker6: ['us', 'edge'],
};
let inventory: string;

interface NodeRow {
  node: string;
  status: string;
  action: string;
  serial?: string;
  batch?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: { message: string; hint?: string };
}

const ledger = () =>
  readFileSync(path.join(caDir, 'deployments.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { node: string; serial: string; result: string; action: string })
    .filter((entry) => !entry.node.startsWith('client:'));

const names = (rows: { node: string }[]) => rows.map((row) => row.node);

/** The UTC second of the newest backup folder on a node: written when its change started. */
async function lastBackupSecond(index: number): Promise<number> {
  const dir = `${NODE_PATHS.ssl}/backup`;
  const listed = await fleet.exec(wide[index - 1] as (typeof wide)[number], ['ls', dir]);
  const newest = listed.stdout.toString('utf8').split('\n').filter(Boolean).sort().at(-1) ?? '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(newest);
  if (!m) throw new Error(`no backup folder in ${dir}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s) / 1000;
}

beforeAll(async () => {
  const running = (await fleet.status()).filter(
    (node) => node.sshBanner !== undefined && node.brokerPid !== undefined,
  );
  if (running.length < WIDE)
    await fleet.up({ nodes: WIDE, log: (line) => console.log(`[${fleet.id}] ${line}`) });
  await resetToPlain(wide);
  await initCa();
  await issueClient('mqtt-client');
  inventory = writeInventory('inventory.yaml', (doc) => {
    for (const n of doc.nodes) n.groups = GROUPS[n.name];
  });
  // The first rollout restarts every broker: three at a time.
  const first = await ok(['--inventory', inventory, '--batch', '3', '--json'], 400_000);
  const rows = JSON.parse(first.stdout).nodes as NodeRow[];
  expect(rows.map((row) => [row.node, row.status, row.batch])).toEqual(
    wide.map((n, i) => [n.name, 'deployed', i < 3 ? 1 : 2]),
  );
}, 900_000);

describe('batches', () => {
  it('rotate --force goes canary first, then the other five at once, with no failed connection', async () => {
    const pids = await Promise.all(wide.map((n) => brokerPid(n)));
    const before = ledger().length;
    let attempts = 0;
    const failures: string[] = [];
    let rotating = true;
    const tls = mqttTls();
    const looper = (async () => {
      while (rotating) {
        for (const n of wide) {
          attempts++;
          try {
            const c = await mqtt.connectAsync({ ...tls, host: n.address });
            await c.endAsync();
          } catch (error) {
            failures.push(`${n.name}: ${(error as Error).message}`);
          }
        }
      }
    })();
    const result = await deployTls(['rotate', '--inventory', inventory, '--force', '--json']);
    rotating = false;
    await looper;
    console.log(
      `[measure] rotation of ${WIDE} nodes (1,100%): ${attempts} reconnects, ${failures.length} failed`,
    );

    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(failures).toEqual([]);
    expect(attempts).toBeGreaterThan(30);
    expect(await Promise.all(wide.map((n) => brokerPid(n)))).toEqual(pids); // hot reloads: no broker restarted
    const rows = JSON.parse(result.stdout).nodes as NodeRow[];
    expect(rows.map((row) => [row.node, row.status, row.action, row.batch])).toEqual(
      wide.map((n, i) => [n.name, 'deployed', 'hot-reload', i === 0 ? 1 : 2]),
    );
    // The canary was done (its new serial served, its MQTT round trip made) before any other began…
    const [canary, ...others] = rows;
    const canaryDone = Date.parse(canary?.finishedAt as string);
    for (const row of others) expect(Date.parse(row.startedAt as string)).toBeGreaterThanOrEqual(canaryDone);
    // …which the nodes' own backup folders (made as a change starts; stamped to the second) agree with.
    for (let i = 2; i <= WIDE; i++)
      expect(await lastBackupSecond(i)).toBeGreaterThanOrEqual(Math.floor(canaryDone / 1000));
    // The five of the second batch overlapped: each started before any of them finished.
    const firstDone = Math.min(...others.map((row) => Date.parse(row.finishedAt as string)));
    for (const row of others) expect(Date.parse(row.startedAt as string)).toBeLessThan(firstDone);
    const entries = ledger().slice(before);
    expect(entries.map((e) => e.node)[0]).toBe('broker1');
    expect(entries.map((e) => [e.node, e.result]).sort()).toEqual(wide.map((n) => [n.name, 'deployed']));
    for (const [i, n] of wide.entries()) {
      expect((await servedCertificate(n.address, n.host)).serial).toBe(rows[i]?.serial);
    }
  });

  it('a node failing in the second batch is rolled back; the rest of its batch completes; exit 1', async () => {
    // broker5's inventory names a port its broker does not listen on: its new serial never shows
    // there, a restart does not help, and the rollback proves the old serial on the real port.
    const failing = writeInventory('failing.yaml', (doc) => {
      for (const n of doc.nodes) n.groups = GROUPS[n.name];
      const broker5 = doc.nodes[4] as (typeof doc.nodes)[number];
      broker5.tls = { listener: { ...broker5.tls?.listener, port: 8886 } };
    });
    const broker5Before = (await servedCertificate(wide[4]?.address as string, wide[4]?.host as string))
      .serial;
    const before = ledger().length;
    const result = await deployTls(
      // A restart on a busy machine takes HiveMQ some seconds; the rollback proves the old serial
      // within this timeout too.
      ['rotate', '--inventory', failing, '--force', '--health-timeout', '30', '--json'],
      400_000,
    );
    expect(result.code, result.stderr).toBe(1);
    const rows = JSON.parse(result.stdout).nodes as NodeRow[];
    const errors = JSON.stringify(rows.map((row) => row.error).filter(Boolean));
    expect(
      rows.map((row) => [row.node, row.status, row.batch]),
      errors,
    ).toEqual([
      ['broker1', 'deployed', 1],
      ['broker2', 'deployed', 2],
      ['broker3', 'deployed', 2],
      ['broker4', 'deployed', 2],
      ['broker5', 'rolled-back', 2],
      ['broker6', 'deployed', 2],
    ]);
    expect(result.stderr).toContain('rollout stopped: broker5 rolled-back');
    // broker5 serves what it served before; every other node its new certificate (openssl's view).
    expect((await servedCertificate(wide[4]?.address as string, wide[4]?.host as string)).serial).toBe(
      broker5Before,
    );
    for (const [i, n] of wide.entries()) {
      if (i === 4) continue;
      const served = await servedCertificate(n.address, n.host);
      expect(served.output, n.name).toContain('Verify return code: 0 (ok)');
      expect(served.serial).toBe(rows[i]?.serial);
    }
    const entries = ledger().slice(before);
    expect(entries.filter((e) => e.result === 'rolled-back').map((e) => e.node)).toEqual(['broker5']);
    expect(entries.filter((e) => e.result === 'deployed')).toHaveLength(5);
  }, 400_000);
});

describe('--limit and groups', () => {
  const jsonNodes = async (args: string[]) => {
    const result = await deployTls([...args, '--json']);
    expect(result.code, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('plan, the rollout, rotate (and its older --nodes), status and verify work on exactly the nodes selected', async () => {
    const plan = await jsonNodes(['plan', '--inventory', inventory, '--limit', 'eu:!broker2']);
    expect(names(plan.nodes)).toEqual(['broker1', 'broker3']);

    const rollout = await jsonNodes(['--inventory', inventory, '--limit', 'us:&edge']);
    expect(rollout.nodes.map((n: NodeRow) => [n.node, n.status])).toEqual([['broker6', 'unchanged']]);

    const before = ledger().length;
    const rotated = await jsonNodes(['rotate', '--inventory', inventory, '--force', '--limit', 'broker[45]']);
    expect(rotated.nodes.map((n: NodeRow) => [n.node, n.status])).toEqual([
      ['broker4', 'deployed'],
      ['broker5', 'deployed'],
    ]);
    expect(rotated.clients).toEqual([]); // a limited run leaves the client bundles alone
    const older = await jsonNodes(['rotate', '--inventory', inventory, '--force', '--nodes', 'broker2']);
    expect(names(older.nodes)).toEqual(['broker2']);
    expect(
      ledger()
        .slice(before)
        .map((e) => e.node),
    ).toEqual(['broker4', 'broker5', 'broker2']);

    const state = await jsonNodes(['status', '--inventory', inventory, '--limit', 'us']);
    expect(names(state.nodes)).toEqual(['broker4', 'broker5', 'broker6']);

    const verified = await jsonNodes(['verify', '--inventory', inventory, '--limit', 'canary']);
    expect(new Set(verified.results.map((r: { node: string }) => r.node))).toEqual(new Set(['broker1']));
    expect(verified.ok).toBe(true);
  }, 400_000);

  it('a --limit term that matches nothing is refused before anything is read', async () => {
    const before = ledger().length;
    const result = await deployTls(['rotate', '--inventory', inventory, '--force', '--limit', 'eu:!brokr2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--limit eu:!brokr2: no node or group matches "brokr2"');
    expect(result.stderr).toContain('groups: canary, eu, us, edge');
    expect(ledger()).toHaveLength(before);
  });

  it('ca rollover --limit runs the current phase on the selected nodes only and does not advance', async () => {
    const before = ledger().length;
    const result = await deployTls(['ca', 'rollover', '--inventory', inventory, '--limit', 'canary,broker6']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(
      'phase 1/3: trust the old and the new intermediate done on the nodes --limit selects',
    );
    expect(
      ledger()
        .slice(before)
        .map((e) => e.node),
    ).toEqual(['broker1', 'broker6']);
    const state = JSON.parse(readFileSync(path.join(caDir, 'rollover.json'), 'utf8'));
    expect(state.phase).toBe('created');
    // The selected nodes trust both intermediates now (keytool's view); the others only the old one.
    const trusted = async (index: number) => {
      const target = wide[index - 1] as (typeof wide)[number];
      const store = path.join(work, `truststore-${index}.jks`);
      writeFileSync(store, await readNodeFile(fleet, target, `${NODE_PATHS.ssl}/hivemq-truststore.jks`));
      const list = await run('keytool', [
        '-list',
        '-keystore',
        store,
        '-storepass',
        secrets.HIVEMQ_TRUSTSTORE_PASSWORD,
      ]);
      return (list.stdout.match(/trustedCertEntry/g) ?? []).length;
    };
    expect([await trusted(1), await trusted(2), await trusted(6)]).toEqual([2, 1, 2]);
  }, 400_000);
});
