// A full disk on a real node: a 64 KiB tmpfs is mounted over broker2's backup folder (in its own
// mount namespace, which is why this runs on the namespace fleet only). The rotation refuses broker2
// before a certificate is issued or a file written, names the folder and the figures, and renews
// the other nodes; once there is room again, the same command finishes broker2.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_PATHS, node, nodes, sshOk, treeHashes } from '../support/fleet.js';
import { resetToPlain } from '../support/reset.js';
import { workspace } from '../support/workspace.js';

const { caDir, deployTls, initCa, writeInventory } = workspace('disk-full');
const BACKUP = `${NODE_PATHS.ssl}/backup`;
let inventory: string;
let mounted = false;

const indexLines = () =>
  readFileSync(path.join(caDir, 'intermediate', 'index.txt'), 'utf8')
    .trim()
    .split('\n').length;

beforeAll(async () => {
  await resetToPlain(nodes);
  await initCa();
  inventory = writeInventory('inventory.yaml');
  const first = await deployTls(['--inventory', inventory]);
  expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
}, 600_000);

afterAll(async () => {
  if (mounted) await sshOk(node(2), `umount ${BACKUP}`);
});

describe('a node whose disk is full', () => {
  it('is refused before anything is issued or written; the others are renewed', async () => {
    await sshOk(node(2), `mount -t tmpfs -o size=64k tmpfs ${BACKUP}`);
    mounted = true;
    const before = { ssl: await treeHashes(node(2), NODE_PATHS.ssl), index: indexLines() };

    const result = await deployTls(['rotate', '--inventory', inventory, '--force', '--json']);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as {
      nodes: { node: string; status: string; error?: { message: string } }[];
    };
    const status = Object.fromEntries(report.nodes.map((n) => [n.node, n.status]));
    expect(status).toEqual({ broker1: 'deployed', broker2: 'failed', broker3: 'deployed' });
    const broker2 = report.nodes.find((n) => n.node === 'broker2');
    expect(broker2?.error?.message).toMatch(new RegExp(`only \\d+ KiB free where ${BACKUP} is written`));
    // Two certificates issued (broker1, broker3), none for broker2; broker2's files untouched.
    expect(indexLines()).toBe(before.index + 2);
    expect(await treeHashes(node(2), NODE_PATHS.ssl)).toEqual(before.ssl);
  });

  it('with room again, the same command renews it', async () => {
    await sshOk(node(2), `umount ${BACKUP}`);
    mounted = false;
    const result = await deployTls(['rotate', '--inventory', inventory, '--nodes', 'broker2', '--force']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/broker2\s+deployed/);
  });
});
