// The files `up` hands to deploy-tls and to people: an inventory for the fleet and a known_hosts
// with every node's host key (deploy-tls connects with strict host-key checking).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { BROKER_LOG, SERVICE_SCRIPT } from './broker.js';
import { MOUNT_POINTS, MQTT_TLS_PORT, type NodeLayout, type SandboxLayout } from './layout.js';
import { knownHostsLine } from './sshd.js';

/** The sandbox's passwords: random per machine, in 0600 files the inventory points at. */
export const SANDBOX_SECRETS = ['ca', 'keystore', 'truststore', 'client'] as const;

export function secretFile(layout: SandboxLayout, name: (typeof SANDBOX_SECRETS)[number]): string {
  return path.join(layout.state, 'secrets', `${name}.pass`);
}

export function writeSecrets(layout: SandboxLayout): void {
  mkdirSync(path.join(layout.state, 'secrets'), { recursive: true, mode: 0o700 });
  for (const name of SANDBOX_SECRETS) {
    const file = secretFile(layout, name);
    if (!existsSync(file)) writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  }
}

/** A node of a test bed: its own address in its SANs, and as its listener's bind address. */
export function nodeEntry(node: { name: string; host: string; address: string }) {
  return {
    name: node.name,
    host: node.host,
    address: node.address,
    sans: [`DNS:${node.host}`, `IP:${node.address}`],
    // Nodes share one network (a namespace sandbox, or the host's for containers): a listener on
    // 0.0.0.0:8883 would collide.
    tls: { listener: { port: MQTT_TLS_PORT, bindAddress: node.address } },
  };
}

/**
 * What every test bed's inventory has: a CA and store passwords from the secrets under `secrets`,
 * HiveMQ's layout at the mount points, one client bundle; the fleet gives how to log in, how its
 * broker runs, and its nodes.
 */
export function testBedInventory(parts: {
  secrets: SandboxLayout;
  pkiDir: string;
  organization: string;
  ssh: object;
  hivemq: { serviceUser: string; restart: string; log: string };
  plainKey?: boolean;
  nodes: object[];
}): object {
  const { secrets } = parts;
  return {
    ca: {
      dir: parts.pkiDir,
      password: { file: secretFile(secrets, 'ca') },
      subject: { C: 'DE', ST: 'Bavaria', L: 'Landshut', O: parts.organization, OU: 'Operations' },
    },
    defaults: {
      ssh: parts.ssh,
      // hivemq.edition and cluster.tls stay auto: the nodes' CE schema and jar say Community Edition.
      hivemq: { home: MOUNT_POINTS.home, ...parts.hivemq },
      tls: {
        dir: MOUNT_POINTS.ssl,
        keystore: { password: { file: secretFile(secrets, 'keystore') } },
        truststore: { password: { file: secretFile(secrets, 'truststore') } },
      },
    },
    clients: [
      {
        name: 'mqtt-client',
        password: { file: secretFile(secrets, 'client') },
        ...(parts.plainKey ? { plainKey: true } : {}),
      },
    ],
    nodes: parts.nodes,
  };
}

export function sandboxInventory(layout: SandboxLayout, nodes: NodeLayout[], sshPort: number): object {
  return testBedInventory({
    secrets: layout,
    pkiDir: layout.pkiDir,
    organization: 'deploy-tls sandbox',
    ssh: { user: 'root', port: sshPort, privateKey: layout.sshKey, knownHosts: layout.knownHosts },
    // The sandbox JVM runs as root and the machine has no `hivemq` group to own keystores.
    hivemq: { serviceUser: 'root', restart: `${SERVICE_SCRIPT} restart`, log: BROKER_LOG },
    nodes: nodes.map(nodeEntry),
  });
}

export function writeInventory(layout: SandboxLayout, nodes: NodeLayout[], sshPort: number): void {
  writeSecrets(layout);
  const header = '# Written by `npm run sandbox -- up`; rewritten on every up.\n';
  writeFileSync(layout.inventory, header + stringify(sandboxInventory(layout, nodes, sshPort)));
}

export function writeKnownHosts(layout: SandboxLayout, nodes: NodeLayout[], sshPort: number): void {
  writeFileSync(layout.knownHosts, `${nodes.map((node) => knownHostsLine(node, sshPort)).join('\n')}\n`);
}
