// The namespace sandbox (fleet.ts and its modules, unchanged) behind the Fleet interface: root on
// this machine, one mount namespace per node, the broker run by hivemq-service as root.
import { brokerPid, SERVICE_SCRIPT } from './broker.js';
import { down, savedSettings, status, up } from './fleet.js';
import type { Fleet, FleetNode } from './fleet-api.js';
import {
  DEFAULT_SSH_PORT,
  type NodeLayout,
  nodeLayout,
  type SandboxLayout,
  sandboxAddress,
  sandboxLayout,
} from './layout.js';
import { holderPid, inNamespace } from './namespace.js';
import { sshBanner } from './probes.js';
import { usageLines } from './report.js';
import { runProcess } from './run-process.js';

const asNode = (node: NodeLayout): FleetNode => ({
  index: node.index,
  name: node.name,
  host: node.host,
  address: node.address,
});

export function namespaceFleet(layout: SandboxLayout = sandboxLayout()): Fleet {
  const sshPort = () => savedSettings(layout)?.sshPort ?? DEFAULT_SSH_PORT;
  return {
    id: 'namespace',
    paths: {
      state: layout.state,
      inventory: layout.inventory,
      knownHosts: layout.knownHosts,
      sshKey: layout.sshKey,
      configXsd: layout.configXsd,
      pkiDir: layout.pkiDir,
    },
    login: { user: 'root', become: false },
    // The sandbox JVM runs as root and the machine has no `hivemq` group to own keystores.
    serviceUser: 'root',
    restartCommand: `${SERVICE_SCRIPT} restart`,
    serviceCommand: (action) => `${SERVICE_SCRIPT} ${action}`,
    sshPort,
    node: (index) => asNode(nodeLayout(layout, index)),
    address: sandboxAddress,
    up: async (options) => (await up({ ...options, layout })).nodes.map(asNode),
    down: (options = {}) => down({ ...options, layout }),
    status: async () =>
      Promise.all(
        (await status({ layout })).map(async (row) => ({
          name: row.name,
          address: row.address,
          sshBanner: row.sshListening ? await sshBanner(row.address, sshPort()) : undefined,
          brokerPid: row.brokerPid,
          mqtt: row.mqtt,
          mqttTls: row.mqttTls,
          details: {
            'ns pid': String(row.holderPid ?? '-'),
            'sshd pid': String(row.sshdPid ?? '-'),
            'rss MiB': String(row.brokerRssMiB ?? '-'),
          },
        })),
      ),
    usage: (nodes) =>
      usageLines(
        layout,
        nodes.map((node) => nodeLayout(layout, node.index)),
        sshPort(),
      ),
    async exec(node, argv, input) {
      const holder = holderPid(nodeLayout(layout, node.index));
      if (holder === undefined) {
        return { code: -1, stdout: Buffer.alloc(0), stderr: `${node.name} is not up (no mount namespace)` };
      }
      return runProcess([...inNamespace(holder), ...argv], { input, timeoutMs: 120_000 });
    },
    brokerPid: async (node) => brokerPid(nodeLayout(layout, node.index)),
  };
}
