// Reaching real fleets, on the reach test bed (scripts/sandbox/reach.ts): nodes whose sshd only a
// bastion reaches, a node behind two jump hosts whose user and jump hosts come from the ssh config
// and whose sudo asks a password, a node with a passphrase-protected RSA key, and a node with host
// and user certificates (openssh transport). The full rollout and verify go through all of them,
// every hop strictly checked; nothing secret ever shows on a command line on this machine.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { stockConfigXml } from '../../../scripts/sandbox/broker.js';
import { waitFor } from '../../../scripts/sandbox/processes.js';
import {
  bastionRsaKey,
  inReachNode,
  type ReachLayout,
  type ReachNode,
  reachDown,
  reachRunning,
  reachUp,
} from '../../../scripts/sandbox/reach.js';
import { treeHashes } from '../../helpers/cli.js';
import { run, waitUntilMqttAccepts } from '../support/fleet.js';
import { workspace } from '../support/workspace.js';
import { layout, node } from './sandbox-fleet.js';

const { work, chain, deployTls, ok, initCa, issueClient } = workspace('reach');

let reach: ReachLayout;
let wasRunning = false;
let reachNodes: ReachNode[] = [];

/** Plain again: stock config.xml, no stores, restarted broker (inside the node's namespace). */
async function resetToPlain(targets: readonly ReachNode[]): Promise<void> {
  await Promise.all(
    targets.map(async (n) => {
      writeFileSync(path.join(n.layout.homeDir, 'conf', 'config.xml'), stockConfigXml(n.layout));
      for (const entry of readdirSync(n.layout.sslDir))
        rmSync(path.join(n.layout.sslDir, entry), { recursive: true, force: true });
      const [enter, ...args] = inReachNode(n);
      const restart = await run(enter as string, [...args, '/opt/hivemq/bin/hivemq-service', 'restart'], {
        timeoutMs: 90_000,
      });
      if (restart.code !== 0) throw new Error(`${n.name}: restart failed: ${restart.stderr}`);
      await waitUntilMqttAccepts(n.layout);
    }),
  );
}

const nodeFiles = () =>
  reachNodes.map((n) => ({
    ssl: treeHashes(n.layout.sslDir),
    conf: treeHashes(path.join(n.layout.homeDir, 'conf')),
  }));

type Doc = {
  ca: { dir: string; password: unknown };
  defaults: { ssh: Record<string, unknown>; tls: Record<string, unknown> };
  nodes: { name: string; ssh: Record<string, unknown> }[];
};

/** The bed's inventory with this file's CA and throwaway store passwords, optionally changed. */
function inventory(file: string, change: (doc: Doc) => void = () => {}): string {
  const doc = parse(readFileSync(reach.inventory, 'utf8')) as Doc;
  doc.ca.dir = path.join(work, 'pki');
  doc.ca.password = { env: 'DEPLOY_TLS_CA_PASSWORD' };
  doc.defaults.tls.keystore = { password: { env: 'HIVEMQ_KEYSTORE_PASSWORD' } };
  doc.defaults.tls.truststore = { password: { env: 'HIVEMQ_TRUSTSTORE_PASSWORD' } };
  change(doc);
  const target = path.join(work, file);
  writeFileSync(target, stringify(doc));
  return target;
}

/** A copy of the bed's known_hosts with `edit` applied to its lines. */
function knownHosts(file: string, edit: (lines: string[]) => string[]): string {
  const lines = readFileSync(reach.knownHosts, 'utf8').trim().split('\n');
  const target = path.join(work, file);
  writeFileSync(target, `${edit(lines).join('\n')}\n`);
  return target;
}

const publicKey = (file: string) => readFileSync(file, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');

/** Every command line on the machine, read from /proc every few ms while `work` runs. */
async function watchCommandLines<T>(work: () => Promise<T>): Promise<{ result: T; lines: Set<string> }> {
  const lines = new Set<string>();
  let running = true;
  const poll = (async () => {
    while (running) {
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        try {
          lines.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
        } catch {
          // gone already
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  try {
    return { result: await work(), lines };
  } finally {
    running = false;
    await poll;
  }
}

beforeAll(async () => {
  wasRunning = reachRunning(layout);
  reach = await reachUp(layout);
  reachNodes = Object.values(reach.nodes);
  await resetToPlain(reachNodes);
  await initCa();
}, 600_000);

afterAll(async () => {
  if (!wasRunning) await reachDown(layout);
});

describe('reach: jump hosts, the ssh config, protected keys, certificates, sudo passwords', () => {
  it('a direct connection to a bastion-only node fails: only its jump host reaches it', async () => {
    const direct = await run('ssh', [
      ...['-F', 'none', '-i', layout.sshKey, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'],
      ...['-o', `UserKnownHostsFile=${reach.knownHosts}`, `root@${reach.nodes.pp.address}`, 'true'],
    ]);
    expect(direct.code).toBe(255);
    expect(direct.stderr).toMatch(/Connection refused/);

    const before = nodeFiles();
    // reach-pp alone: an unreachable node fails by itself, and the others would take their change.
    const file = inventory('direct.yaml', (doc) => {
      doc.nodes = doc.nodes.filter((n) => n.name === 'reach-pp');
      for (const n of doc.nodes) n.ssh.proxyJump = 'none';
    });
    const result = await deployTls(['--inventory', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/reach-pp: cannot connect to root@127\.0\.\d+\.201/);
    expect(nodeFiles()).toEqual(before);
  });

  it('a wrong host key of a jump host stops everything before any change, naming the hop', async () => {
    const bastion1 = reach.bastions.bastion1;
    const forged = knownHosts('forged_known_hosts', (lines) =>
      lines.map((line) =>
        line.startsWith(`${bastion1.address} `)
          ? `${bastion1.address} ${publicKey(`${reach.bastions.bastion0.hostKey}.pub`)}`
          : line,
      ),
    );
    const before = nodeFiles();
    const file = inventory('forged.yaml', (doc) => {
      doc.defaults.ssh.knownHosts = forged;
    });
    const result = await deployTls(['--inventory', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `jump host bastion1: the host key of ${bastion1.address.replaceAll('.', '\\.')} has CHANGED`,
      ),
    );
    expect(nodeFiles()).toEqual(before);

    // The same through the openssh transport (reach-cert), on its own.
    const cert = await deployTls([
      'plan',
      '--inventory',
      inventory('forged-cert.yaml', (doc) => {
        doc.defaults.ssh.knownHosts = forged;
        doc.nodes = doc.nodes.filter((n) => n.name === 'reach-cert');
      }),
    ]);
    expect(cert.code).toBe(1);
    expect(cert.stderr).toMatch(/reach-cert: jump host bastion1: the host key of .* has CHANGED/);
  });

  it('a revoked jump host key is reported as REVOKED, not as changed', async () => {
    const revoked = knownHosts('revoked_known_hosts', (lines) => [
      ...lines,
      `@revoked * ${publicKey(`${reach.bastions.bastion1.hostKey}.pub`)}`,
    ]);
    const result = await deployTls([
      'plan',
      '--inventory',
      inventory('revoked.yaml', (doc) => {
        doc.defaults.ssh.knownHosts = revoked;
        doc.nodes = doc.nodes.filter((n) => n.name === 'reach-pp');
      }),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/jump host bastion1: the host key of .* is REVOKED \(known_hosts .*:\d+\)/);
  });

  it('a host known by its certificate authority needs the openssh transport, and says so', async () => {
    const result = await deployTls([
      'plan',
      '--inventory',
      inventory('cert-builtin.yaml', (doc) => {
        doc.nodes = doc.nodes.filter((n) => n.name === 'reach-cert');
        for (const n of doc.nodes) n.ssh.transport = 'builtin';
      }),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/@cert-authority .* set ssh.transport: openssh/);
  });

  it('a wrong sudo password is a clear error and changes nothing', async () => {
    const wrong = path.join(work, 'wrong-become.pass');
    writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const before = nodeFiles();
    const result = await deployTls([
      '--inventory',
      inventory('wrong-sudo.yaml', (doc) => {
        for (const n of doc.nodes) if (n.name === 'reach-sudo') n.ssh.becomePassword = { file: wrong };
      }),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /reach-sudo: sudo refused the become password for deployer \(file .*wrong-become\.pass\)/,
    );
    expect(nodeFiles()).toEqual(before);
  });

  it('an RSA-only known_hosts entry works against OpenSSH 9 (rsa-sha2-512/256, not ssh-rsa)', async () => {
    const bastion0 = reach.bastions.bastion0;
    const rsaOnly = knownHosts('rsa_known_hosts', (lines) => [
      ...lines.filter((line) => !line.startsWith(`${bastion0.address} `)),
      `${bastion0.address} ${publicKey(`${bastionRsaKey(reach)}.pub`)}`,
    ]);
    // broker1 of the main fleet, through bastion0: plan reads and changes nothing.
    const file = inventory('rsa.yaml', (doc) => {
      doc.defaults.ssh.knownHosts = rsaOnly;
      doc.nodes = [
        {
          ...(parse(readFileSync(layout.inventory, 'utf8')) as Doc).nodes[0],
          ssh: { proxyJump: 'bastion0', user: 'root' },
        } as Doc['nodes'][number],
      ];
    });
    const result = await ok(['plan', '--inventory', file]);
    expect(result.stdout).toContain(node(1).name);
  });

  it('logs in with ssh-agent at the SSH_AUTH_SOCK the CLI was given (and no key file)', async () => {
    const socket = path.join(work, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await waitFor('ssh-agent', () => existsSync(socket) || undefined, { timeoutMs: 5_000 });
      const added = await run('ssh-add', [layout.sshKey], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
      expect(added.code, added.stderr).toBe(0);
      const file = inventory('agent.yaml', (doc) => {
        doc.nodes = [
          {
            ...(parse(readFileSync(layout.inventory, 'utf8')) as Doc).nodes[0],
            ssh: {
              agent: true,
              privateKey: path.join(work, 'no-such-key'),
              proxyJump: 'bastion0',
              user: 'root',
            },
          } as Doc['nodes'][number],
        ];
      });
      const withAgent = await deployTls(['plan', '--inventory', file], 60_000, { SSH_AUTH_SOCK: socket });
      expect(withAgent.code, withAgent.stderr).toBe(0);
      const without = await deployTls(['plan', '--inventory', file], 60_000, { SSH_AUTH_SOCK: '' });
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(
        /ssh.agent is true but no agent socket is known \(SSH_AUTH_SOCK is not set\)/,
      );
    } finally {
      agent.kill();
    }
  });

  it('rolls out and verifies through all of them; no passphrase or sudo password on any command line', async () => {
    const passphrase = readFileSync(reach.passphraseFile, 'utf8').trim();
    const becomePassword = readFileSync(reach.becomePasswordFile, 'utf8').trim();
    const file = inventory('reach.yaml');
    const { result, lines } = await watchCommandLines(async () => {
      const rollout = await deployTls(['--inventory', file]);
      const verify = await deployTls(['verify', '--inventory', file]);
      return { rollout, verify };
    });
    expect(result.rollout.code, result.rollout.stderr).toBe(0);
    for (const n of reachNodes)
      expect(result.rollout.stdout).toMatch(new RegExp(`${n.name}\\s+deployed\\s+restart`));
    expect(result.verify.code, result.verify.stdout).toBe(0);
    expect(result.verify.stdout).toMatch(/✔ 30 checks passed/);
    // The scan saw the rollout's own processes: the ssh masters of the openssh transport.
    expect([...lines].some((line) => line.includes('ControlMaster=yes'))).toBe(true);
    const leaks = [...lines].filter((line) => line.includes(passphrase) || line.includes(becomePassword));
    expect(leaks).toEqual([]);

    // Cross-checked with openssl: the node behind two jump hosts serves a chain to our CA.
    const client = await issueClient('reach-client');
    const served = await run(
      'openssl',
      [
        ...['s_client', '-connect', `${reach.nodes.sudo.address}:8883`, '-CAfile', chain],
        ...['-verify_return_error', '-verify_hostname', reach.nodes.sudo.layout.host],
        ...[
          '-cert',
          path.join(client, 'reach-client.cert.pem'),
          '-key',
          path.join(client, 'reach-client.key.pem'),
        ],
      ],
      { timeoutMs: 20_000 },
    );
    expect(served.stdout).toMatch(/Verify return code: 0 \(ok\)/);

    // clients[].plainKey: the rollout's bundle has an unencrypted key beside the encrypted one, and
    // mosquitto (which cannot prompt for a pass phrase) publishes with it.
    const bundle = path.join(work, 'clients', 'mqtt-client');
    const plainKey = path.join(bundle, 'mqtt-client.plain.key.pem');
    expect(statSync(plainKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(bundle, 'mqtt-client.key.pem'), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    const published = await run('mosquitto_pub', [
      ...['-h', reach.nodes.pp.address, '-p', '8883', '--cafile', chain],
      ...['--cert', path.join(bundle, 'mqtt-client.cert.pem'), '--key', plainKey],
      ...['-t', 'e2e/reach', '-m', 'hello', '-q', '1'],
    ]);
    expect(published.code, published.stderr).toBe(0);

    // A rerun reads every node through the same hops and changes nothing. bastion1's sshd logs one
    // login per connection: reach-pp and reach-sudo share one (built-in transport), reach-cert's
    // openssh master is the other; a connection per node would make three.
    const logins = () =>
      (readFileSync(reach.bastions.bastion1.sshdLog, 'utf8').match(/Accepted publickey for root/g) ?? [])
        .length;
    const before = nodeFiles();
    const loginsBefore = logins();
    const again = await ok(['--inventory', file]);
    for (const n of reachNodes) expect(again.stdout).toMatch(new RegExp(`${n.name}\\s+unchanged`));
    expect(nodeFiles()).toEqual(before);
    expect(logins() - loginsBefore).toBe(2);
  });
});
