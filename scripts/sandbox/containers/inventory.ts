// The inventory `up` writes for a container fleet: deploy-tls logs in as the login user and uses
// sudo, HiveMQ runs as `hivemq` under systemd, as the defaults assume for a production server.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Fleet, FleetNode } from '../fleet-api.js';
import { secretFile, writeSecrets } from '../inventory.js';
import { MOUNT_POINTS, MQTT_TLS_PORT, type SandboxLayout } from '../layout.js';
import { LOGIN_USER, RESTART_COMMAND, SERVICE_USER } from './node.js';

export function containerInventory(
  layout: SandboxLayout,
  paths: Fleet['paths'],
  nodes: readonly FleetNode[],
  sshPort: number,
): void {
  // The secrets live in this fleet's own folder.
  const own = { ...layout, state: paths.state };
  writeSecrets(own);
  const doc = {
    ca: {
      dir: paths.pkiDir,
      password: { file: secretFile(own, 'ca') },
      subject: { C: 'DE', ST: 'Bavaria', L: 'Landshut', O: 'deploy-tls test bed', OU: 'Operations' },
    },
    defaults: {
      ssh: {
        user: LOGIN_USER,
        port: sshPort,
        privateKey: paths.sshKey,
        knownHosts: paths.knownHosts,
        become: true,
      },
      hivemq: {
        home: MOUNT_POINTS.home,
        edition: 'community',
        serviceUser: SERVICE_USER,
        restart: RESTART_COMMAND,
        log: `${MOUNT_POINTS.home}/log/hivemq.log`,
      },
      tls: {
        dir: MOUNT_POINTS.ssl,
        keystore: { password: { file: secretFile(own, 'keystore') } },
        truststore: { password: { file: secretFile(own, 'truststore') } },
      },
    },
    clients: [{ name: 'mqtt-client', password: { file: secretFile(own, 'client') } }],
    nodes: nodes.map((node) => ({
      name: node.name,
      host: node.host,
      address: node.address,
      sans: [`DNS:${node.host}`, `IP:${node.address}`],
      // Nodes share the host's network: a listener on 0.0.0.0:8883 would collide.
      tls: { listener: { port: MQTT_TLS_PORT, bindAddress: node.address } },
    })),
  };
  const header = '# Written by `npm run sandbox -- up` for a container fleet; rewritten on every up.\n';
  writeFileSync(paths.inventory, header + stringify(doc));
}
