// The inventory `up` writes for a container fleet: deploy-tls logs in as the login user and uses
// sudo, HiveMQ runs as `hivemq` under systemd, as the defaults assume for a production server.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Fleet, FleetNode } from '../fleet-api.js';
import { nodeEntry, testBedInventory, writeSecrets } from '../inventory.js';
import { MOUNT_POINTS, type SandboxLayout } from '../layout.js';
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
  const doc = testBedInventory({
    secrets: own,
    pkiDir: paths.pkiDir,
    organization: 'deploy-tls test bed',
    ssh: {
      user: LOGIN_USER,
      port: sshPort,
      privateKey: paths.sshKey,
      knownHosts: paths.knownHosts,
      become: true,
    },
    hivemq: {
      serviceUser: SERVICE_USER,
      restart: RESTART_COMMAND,
      log: `${MOUNT_POINTS.home}/log/hivemq.log`,
    },
    nodes: nodes.map(nodeEntry),
  });
  const header = '# Written by `npm run sandbox -- up` for a container fleet; rewritten on every up.\n';
  writeFileSync(paths.inventory, header + stringify(doc));
}
