// The main job on real parts: deploy-tls --inventory takes three plain HiveMQ nodes to mutual TLS,
// checked with openssl s_client and mosquitto_pub; a rerun changes nothing; a failing node is
// rolled back and the nodes after it stay untouched; a changed host key stops everything.
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { treeHashes } from '../helpers/cli.js';
import {
  brokerPid,
  fleet,
  layout,
  literal,
  NODE_PATHS,
  node,
  nodes,
  treeHashes as nodeTreeHashes,
  readFile,
  run,
} from './support/fleet.js';
import { resetToPlain } from './support/reset.js';
import { type InventoryDoc, workspace } from './support/workspace.js';

const {
  secrets,
  work,
  caDir,
  chain,
  client,
  deployTls,
  served: servedCertificate,
  writeInventory,
} = workspace('rollout');

/** Every file on every node (keystores, backups, config.xml) and in the CA, by hash. */
async function fleetState() {
  return {
    ca: treeHashes(caDir),
    nodes: await Promise.all(
      nodes.map(async (n) => ({
        ssl: await nodeTreeHashes(n, NODE_PATHS.ssl),
        conf: await nodeTreeHashes(n, path.join(NODE_PATHS.home, 'conf')),
      })),
    ),
  };
}

/**
 * A config for `openssl ca -status` that reads the CA's own index.txt: unique_subject = no, as
 * the article's intermediate config has it (a node renewed keeps its subject).
 */
function caStatusConfig(dir: string): string {
  const file = path.join(work, 'ca-status.cnf');
  const database = path.join(dir, 'intermediate', 'index.txt');
  writeFileSync(file, `[ca]\ndefault_ca = d\n[d]\ndatabase = ${database}\nunique_subject = no\n`);
  return file;
}

function mosquittoPub(address: string, host: string, withCertificate: boolean) {
  const auth = withCertificate
    ? ['--cert', path.join(client, 'mqtt-client.cert.pem'), '--key', path.join(client, 'mqtt-client.key.pem')]
    : [];
  // -h is the address we reach; --tls-use-os-certs off, so trust is exactly our CA; the name is checked
  // against the certificate through the address SAN (mosquitto checks the -h value).
  return run(
    'mosquitto_pub',
    ['-h', address, '-p', '8883', '--cafile', chain, ...auth, '-t', `e2e/${host}`, '-m', 'hello', '-q', '1'],
    {
      timeoutMs: 20_000,
    },
  );
}

/** Collects every process command line on the machine while `work` runs: sshd children included. */
async function watchCommandLines<T>(work: () => Promise<T>): Promise<{ result: T; lines: Set<string> }> {
  const lines = new Set<string>();
  let running = true;
  const poll = (async () => {
    while (running) {
      const { stdout } = await promisify(execFile)('ps', ['-eo', 'args', '--no-headers']);
      for (const line of stdout.split('\n')) lines.add(line);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return { result: await work(), lines };
  } finally {
    running = false;
    await poll;
  }
}

const pids = () => Promise.all(nodes.map((n) => brokerPid(n)));

beforeAll(async () => {
  await resetToPlain(nodes);
  const init = await deployTls(['ca', 'init', '--ca-dir', caDir, '--subject', '/C=DE/O=deploy-tls e2e']);
  expect(init.stderr).toBe('');
  const bundle = await deployTls([
    'issue',
    'client',
    '--ca-dir',
    caDir,
    '--name',
    'mqtt-client',
    '--out',
    client,
    '--plain-key',
  ]);
  expect(bundle.code).toBe(0);
}, 300_000);

describe('deploy-tls --inventory on the sandbox', () => {
  const inventory = () => writeInventory('inventory.yaml');

  it('plan and --dry-run show the change and change nothing, anywhere', async () => {
    const before = await fleetState();
    const plan = await deployTls(['plan', '--inventory', inventory()]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('● broker1: restart');
    expect(plan.stdout).toContain('no keystore at /etc/ssl/hivemq/hivemq-keystore.jks');
    expect(plan.stdout).toContain('+        <tls-tcp-listener>');
    expect(plan.stdout).toContain('<password>***</password>');
    const dry = await deployTls(['--inventory', inventory(), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(await fleetState()).toEqual(before);
    for (const secret of Object.values(secrets)) expect(`${plan.stdout}${dry.stdout}`).not.toContain(secret);
  });

  it('takes three plain nodes to mutual TLS, and no secret shows in output or any command line', async () => {
    const { result, lines } = await watchCommandLines(() => deployTls(['--inventory', inventory()]));
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/broker1\s+deployed\s+restart/);
    expect(result.stdout).toMatch(/broker3\s+deployed\s+restart/);
    for (const secret of Object.values(secrets)) {
      expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
      expect([...lines].filter((line) => line.includes(secret))).toEqual([]);
    }
    expect(lines.size).toBeGreaterThan(10); // the watcher really saw the machine's processes

    for (const n of nodes) {
      const served = await servedCertificate(n.address, n.host);
      expect(served.output).toContain('Verify return code: 0 (ok)');
      expect(served.text).toContain(`DNS:${n.host}, IP Address:${n.address}`);
      expect((await mosquittoPub(n.address, n.host, true)).code).toBe(0);
      const refused = await mosquittoPub(n.address, n.host, false);
      expect(refused.code).not.toBe(0);
      const configXml = path.join(work, `config-${n.name}.xml`);
      writeFileSync(configXml, await readFile(n, NODE_PATHS.configXml));
      const xsd = await run('xmllint', ['--noout', '--schema', layout.configXsd, configXml]);
      expect(xsd.code, xsd.stderr).toBe(0);
      // config.xml now holds keystore passwords: HiveMQ's stock 0644 loses the bits for others.
      const mode = await fleet.exec(n, ['stat', '-c', '%a', NODE_PATHS.configXml]);
      expect(mode.stdout.toString().trim()).toBe('640');
    }
    const ledger = readFileSync(path.join(caDir, 'deployments.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger.map((e) => [e.node, e.result])).toEqual([
      ['broker1', 'deployed'],
      ['broker2', 'deployed'],
      ['broker3', 'deployed'],
      ['client:mqtt-client', 'deployed'], // the inventory's client bundle, once every node is done
    ]);
  });

  it('a second run with the same inputs changes nothing and restarts nothing', async () => {
    const before = { state: await fleetState(), pids: await pids() };
    const again = await deployTls(['--inventory', inventory()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.match(/broker\d\s+unchanged/g)).toHaveLength(3);
    expect(await pids()).toEqual(before.pids);
    expect(await fleetState()).toEqual(before.state);
  });

  it('a node that fails after its change is rolled back; the nodes after it are untouched', async () => {
    // Move every listener to 8884; broker2's bind address is one its clients cannot reach, so
    // its health gate fails after the restart (with a certificate issued for the attempt).
    const failing = writeInventory('failing.yaml', (doc) => {
      for (const n of doc.nodes) n.tls = { listener: { ...n.tls?.listener, port: 8884 } };
      const broker2 = doc.nodes[1] as InventoryDoc['nodes'][number] & { sans: string[] };
      broker2.tls = { listener: { ...broker2.tls?.listener, bindAddress: fleet.address(250) } };
      // A new name, so broker2's attempt comes with a certificate of its own.
      broker2.sans = [...broker2.sans, 'DNS:broker2-new.example.com'];
    });
    const before = {
      broker2Config: await readFile(node(2), NODE_PATHS.configXml),
      broker3: (await fleetState()).nodes[2],
      pids: await pids(),
    };
    const broker2Serial = (await servedCertificate(node(2).address, node(2).host)).serial;
    // The gate waits out the timeout on broker2, and the rollback's restart must serve again within
    // it: a JVM restart takes 20 s on a busy 2-core machine.
    const result = await deployTls(['--inventory', failing, '--health-timeout', '40']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/broker1\s+deployed\s+restart/);
    expect(result.stdout).toMatch(/broker2\s+rolled-back\s+restart/);
    expect(result.stdout).toMatch(/broker3\s+untouched\s+restart/);
    expect(result.stdout).toContain('did not serve serial');
    expect(result.stderr).toContain('rollout stopped: broker2 rolled-back');
    // Without a terminal the progress is a log: no spinner glyphs, each line names its node, and
    // the stage says it failed.
    expect(result.stdout).not.toMatch(/^[❯›✔↓]/m);
    expect(result.stderr).toContain('[FAILED] broker2: restart: ');
    expect(result.stderr).toMatch(/^\[FAILED\] 1 of 3 failed, 1 not started$/m);
    // broker1 moved; broker2 serves its old certificate from its old config again; broker3 never saw us.
    expect((await servedCertificate(node(1).address, node(1).host, 8884)).output).toContain(
      'Verify return code: 0 (ok)',
    );
    expect((await servedCertificate(node(2).address, node(2).host)).serial).toBe(broker2Serial);
    expect(await readFile(node(2), NODE_PATHS.configXml)).toBe(before.broker2Config);
    expect((await fleetState()).nodes[2]).toEqual(before.broker3);
    expect((await pids())[2]).toBe(before.pids[2]);
    const ledger = readFileSync(path.join(caDir, 'deployments.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger.at(-1)).toMatchObject({ node: 'broker2', result: 'rolled-back' });
    // The certificate issued for broker2's attempt never served: openssl's own CA database says
    // it is revoked (cessationOfOperation), so a CRL made from it would list it.
    const attempt = ledger.at(-1).serial as string;
    expect(attempt).not.toBe(broker2Serial);
    const status = await run('openssl', ['ca', '-config', caStatusConfig(caDir), '-status', attempt]);
    expect(status.stdout + status.stderr).toContain('=Revoked (R)');
    expect(readFileSync(path.join(caDir, 'intermediate', 'index.txt'), 'utf8')).toMatch(
      new RegExp(`^R\\t\\S+\\t\\S+,cessationOfOperation\\t${attempt}\\t`, 'mi'),
    );
  });

  it('a changed host key stops the run before any change', async () => {
    const knownHosts = path.join(work, 'known_hosts');
    copyFileSync(layout.knownHosts, knownHosts);
    const forged = readFileSync(knownHosts, 'utf8').replace(
      new RegExp(`^(${literal(node(2).address)}(?:,\\S+)? ssh-ed25519 )\\S+`, 'm'),
      `$1${'AAAAC3NzaC1lZDI1NTE5AAAAI'}${'A'.repeat(43)}`,
    );
    expect(forged).not.toBe(readFileSync(layout.knownHosts, 'utf8'));
    writeFileSync(knownHosts, forged);
    const file = writeInventory('forged.yaml', (doc) => {
      doc.defaults.ssh.knownHosts = knownHosts;
      for (const n of doc.nodes) n.tls = { listener: { ...n.tls?.listener, port: 8885 } };
    });
    const before = await fleetState();
    const result = await deployTls(['--inventory', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`broker2: the host key of ${node(2).address} has CHANGED`);
    expect(await fleetState()).toEqual(before);
  });
});
