// What `up` and `status` print. Kept apart from fleet.ts so the e2e setup can run the fleet quietly.
import path from 'node:path';
import type { NodeStatus } from './fleet.js';
import type { NodeStatus as FleetNodeStatus } from './fleet-api.js';
import type { NodeLayout, SandboxLayout } from './layout.js';

export function usageLines(layout: SandboxLayout, nodes: NodeLayout[], sshPort: number): string[] {
  const rel = (file: string) => path.relative(process.cwd(), file) || '.';
  const first = nodes[0];
  const portFlag = sshPort === 22 ? '' : ` -p ${sshPort}`;
  return [
    `sandbox up: ${nodes.length} node(s) ${nodes.map((node) => `${node.name}=${node.address}`).join(' ')}`,
    `  inventory:   ${rel(layout.inventory)}`,
    `  known_hosts: ${rel(layout.knownHosts)}`,
    ...(first === undefined
      ? []
      : [
          `  ssh:         ssh -i ${rel(layout.sshKey)} -o UserKnownHostsFile=${rel(layout.knownHosts)}${portFlag} root@${first.address}`,
          `  mqtt:        mosquitto_sub -h ${first.address} -t 'test/#' -v`,
          `  restart:     (over ssh) /opt/hivemq/bin/hivemq-service restart; log in /opt/hivemq/log/hivemq.log`,
        ]),
  ];
}

export function statusLines(rows: NodeStatus[]): string[] {
  if (rows.length === 0) return ['sandbox: no nodes (run `npm run sandbox -- up`)'];
  const yes = (value: boolean) => (value ? 'yes' : 'no');
  const table = [
    ['node', 'address', 'ns pid', 'sshd pid', 'ssh', 'broker pid', '1883', '8883', 'rss MiB'],
    ...rows.map((row) => [
      row.name,
      row.address,
      String(row.holderPid ?? '-'),
      String(row.sshdPid ?? '-'),
      yes(row.sshListening),
      String(row.brokerPid ?? '-'),
      yes(row.mqtt),
      yes(row.mqttTls),
      String(row.brokerRssMiB ?? '-'),
    ]),
  ];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((line) => line[column]?.length ?? 0))) ?? [];
  return table.map((line) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** The status table of any fleet: the common columns, then what only that kind of fleet has. */
export function fleetStatusLines(fleetId: string, rows: FleetNodeStatus[]): string[] {
  if (rows.length === 0) return [`${fleetId}: no nodes (run \`npm run sandbox -- up\`)`];
  const yes = (value: boolean) => (value ? 'yes' : 'no');
  const extra = Object.keys(rows[0]?.details ?? {});
  const table = [
    ['node', 'address', 'ssh', 'broker pid', '1883', '8883', ...extra],
    ...rows.map((row) => [
      row.name,
      row.address,
      row.sshBanner?.replace(/^SSH-2\.0-/, '') ?? 'no',
      String(row.brokerPid ?? '-'),
      yes(row.mqtt),
      yes(row.mqttTls),
      ...extra.map((key) => row.details[key] ?? '-'),
    ]),
  ];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((line) => line[column]?.length ?? 0))) ?? [];
  return [
    `fleet ${fleetId}`,
    ...table.map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
  ];
}
