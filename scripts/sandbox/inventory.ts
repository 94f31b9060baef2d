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

export function sandboxInventory(layout: SandboxLayout, nodes: NodeLayout[], sshPort: number): object {
  return {
    ca: {
      dir: layout.pkiDir,
      password: { file: secretFile(layout, 'ca') },
      subject: { C: 'DE', ST: 'Bavaria', L: 'Landshut', O: 'deploy-tls sandbox', OU: 'Operations' },
    },
    defaults: {
      ssh: { user: 'root', port: sshPort, privateKey: layout.sshKey, knownHosts: layout.knownHosts },
      hivemq: {
        // hivemq.edition and cluster.tls stay auto: the nodes' CE schema and jar say Community Edition.
        home: MOUNT_POINTS.home,
        // The sandbox JVM runs as root and the machine has no `hivemq` group to own keystores.
        serviceUser: 'root',
        restart: `${SERVICE_SCRIPT} restart`,
        log: BROKER_LOG,
      },
      tls: {
        dir: MOUNT_POINTS.ssl,
        keystore: { password: { file: secretFile(layout, 'keystore') } },
        truststore: { password: { file: secretFile(layout, 'truststore') } },
      },
    },
    clients: [{ name: 'mqtt-client', password: { file: secretFile(layout, 'client') } }],
    nodes: nodes.map((node) => ({
      name: node.name,
      host: node.host,
      address: node.address,
      sans: [`DNS:${node.host}`, `IP:${node.address}`],
      // All nodes share one network namespace: a listener on 0.0.0.0:8883 would collide.
      tls: { listener: { port: MQTT_TLS_PORT, bindAddress: node.address } },
    })),
  };
}

export function writeInventory(layout: SandboxLayout, nodes: NodeLayout[], sshPort: number): void {
  writeSecrets(layout);
  const header = '# Written by `npm run sandbox -- up`; rewritten on every up.\n';
  writeFileSync(layout.inventory, header + stringify(sandboxInventory(layout, nodes, sshPort)));
}

export function writeKnownHosts(layout: SandboxLayout, nodes: NodeLayout[], sshPort: number): void {
  writeFileSync(layout.knownHosts, `${nodes.map((node) => knownHostsLine(node, sshPort)).join('\n')}\n`);
}
