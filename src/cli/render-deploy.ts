// Printing a plan and a rollout's outcome. Diffs show config.xml with every password redacted.
import { createTwoFilesPatch } from 'diff';
import type { ClientBundleResult } from '../commands/client-bundles.js';
import type { DeployReport } from '../commands/deploy.js';
import { redactPasswords } from '../hivemq/config.js';
import type { Plan } from '../plan/types.js';
import { table } from './render.js';

export function renderPlan(plan: Plan, clients: readonly ClientBundleResult[] = []): string {
  const lines: string[] = [];
  for (const client of clients) {
    lines.push(
      `● client ${client.name}: ${client.reason ? `new bundle in ${client.out} (${client.reason})` : 'no change'}`,
    );
  }
  for (const node of plan.nodes) {
    lines.push(`● ${node.node}: ${node.action === 'none' ? 'no change' : node.action}`);
    if (node.issueReasons.length > 0) {
      lines.push('  issue a new certificate:');
      for (const reason of node.issueReasons) lines.push(`    - ${reason}`);
    } else if (node.current) {
      lines.push(
        `  keep certificate ${node.current.serial} (until ${node.current.notAfter.toISOString().slice(0, 10)})`,
      );
    }
    const files = [
      ...(node.replaceKeystore ? ['keystore'] : []),
      ...(node.replaceTruststore ? [`truststore (${node.truststoreReason})`] : []),
      ...(node.config.changed ? [node.config.path] : []),
    ];
    if (files.length > 0) lines.push(`  replace: ${files.join(', ')}`);
    if (node.config.changed)
      lines.push(...configDiff(node.config.path, node.config.current, node.config.desired));
    lines.push(`  restart: ${node.action === 'restart' ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A unified diff of config.xml with every password shown as ***. */
function configDiff(path: string, current: string, desired: string): string[] {
  const before = redactPasswords(current);
  const after = redactPasswords(desired);
  if (before === after) return ['    (config.xml: only passwords change)'];
  const patch = createTwoFilesPatch(path, path, before, after, 'now', 'planned');
  return patch
    .split('\n')
    .slice(2)
    .filter((line) => line !== '')
    .map((line) => `    ${line}`);
}

export function renderReport(report: DeployReport): string {
  const rows = report.nodes.map((n) => [
    n.node,
    n.status,
    n.action,
    n.serial ?? '-',
    n.previousSerial && n.previousSerial !== n.serial ? n.previousSerial : '-',
    n.handshakeMs !== undefined ? `${n.handshakeMs} ms / ${n.roundTripMs} ms` : '-',
  ]);
  const header = ['node', 'result', 'action', 'serial', 'replaced', 'handshake / round trip'];
  const lines = table(header, rows);
  for (const client of report.clients) {
    const what =
      client.status === 'issued'
        ? `issued ${client.serial} (${client.reason})`
        : client.reason
          ? `not issued (${client.reason})`
          : 'unchanged';
    lines.push(`client ${client.name}: ${what}; bundle in ${client.out}`);
  }
  for (const n of report.nodes) {
    if (n.error)
      lines.push('', `✖ ${n.node}: ${n.error.message}`, ...(n.error.hint ? [`  → ${n.error.hint}`] : []));
  }
  return `${lines.join('\n')}\n`;
}

export function reportJson(report: DeployReport): string {
  return `${JSON.stringify(
    {
      ok: report.ok,
      clients: report.clients,
      nodes: report.nodes.map((n) => ({
        ...n,
        error: n.error ? { message: n.error.message, hint: n.error.hint } : undefined,
      })),
      plan: report.plan.nodes.map((n) => ({
        node: n.node,
        action: n.action,
        issueReasons: n.issueReasons,
        replaceKeystore: n.replaceKeystore,
        replaceTruststore: n.replaceTruststore,
        configChanged: n.config.changed,
      })),
    },
    null,
    2,
  )}\n`;
}
