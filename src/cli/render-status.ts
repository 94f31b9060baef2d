// status's table: one row per node, then the CA's days left and warnings.
import type { StatusReport } from '../commands/status.js';
import { table } from './render.js';

export function renderStatus(report: StatusReport): string {
  const header = ['node', 'serial', 'expires', 'days', 'served=deployed', 'client-auth', 'listener', 'SANs'];
  const rows = report.nodes.map((n) => [
    n.node,
    n.serial ?? '-',
    n.notAfter?.slice(0, 10) ?? '-',
    n.daysLeft === undefined ? '-' : String(n.daysLeft),
    n.served === undefined ? 'nothing served' : n.servedIsRecorded ? 'yes' : `NO (${n.served})`,
    n.clientAuth ?? '-',
    n.listener,
    n.sans.join(', ') || '-',
  ]);
  const lines = [...table(header, rows), ''];
  lines.push(
    `intermediate CA: ${report.intermediateDaysLeft} days left; root CA: ${report.rootDaysLeft} days left`,
  );
  for (const n of report.nodes.filter((row) => row.problem)) lines.push(`! ${n.node}: ${n.problem}`);
  for (const warning of report.warnings) lines.push(`! ${warning}`);
  return `${lines.join('\n')}\n`;
}
