// Printing a plan and a rollout's outcome. The plan already holds config.xml diffs with every
// password redacted; this only lays them out.
import type { ClientBundleResult } from '../bundles/clients.js';
import { DeployTlsError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import type { RolloutReport } from '../rollout/report.js';
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
    if (node.edition) {
      const { edition, version, evidence } = node.edition;
      const name = `${edition === 'community' ? 'Community Edition' : 'Enterprise'}${version ? ` ${version}` : ''}`;
      lines.push(
        `  HiveMQ ${name} (${evidence[0] ?? 'no evidence'}); cluster TLS: ${node.cluster?.secure ? 'yes' : 'no'}, ${node.cluster?.reason ?? ''}`,
      );
    }
    if (node.environment?.changed || node.environment?.dropIn?.changed)
      lines.push(
        `  passwords in the environment: write ${[
          ...(node.environment.changed ? [`${node.environment.path} (${node.environment.reason})`] : []),
          ...(node.environment.dropIn?.changed
            ? [`${node.environment.dropIn.path} (then systemctl daemon-reload)`]
            : []),
        ].join(', ')}`,
      );
    if (node.issueReasons.length > 0) {
      lines.push('  issue a new certificate:');
      for (const reason of node.issueReasons) lines.push(`    - ${reason}`);
    } else if (node.current) {
      lines.push(
        `  keep certificate ${node.current.serial} (until ${node.current.notAfter.toISOString().slice(0, 10)})`,
      );
    }
    if (node.restartReason) lines.push(`  restart to put the files in effect: ${node.restartReason}`);
    for (const warning of node.warnings) lines.push(`  ! ${warning}`);
    if (node.recordServed)
      lines.push(
        `  record in the ledger: it serves our certificate ${node.recordServed}, which the ledger lacks`,
      );
    const files = [
      ...(node.replaceKeystore ? ['keystore'] : []),
      ...(node.replaceTruststore ? [`truststore (${node.truststoreReason})`] : []),
      ...(node.config.changed ? [node.config.path] : []),
    ];
    if (files.length > 0) lines.push(`  replace: ${files.join(', ')}`);
    lines.push(...node.config.diff.map((line) => `    ${line}`));
    lines.push(`  restart: ${node.action === 'restart' ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderReport(report: RolloutReport): string {
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
    const hook = client.onRenew
      ? `; onRenew ${client.onRenew.outcome}${client.onRenew.ok ? '' : ' (!)'}`
      : '';
    lines.push(`client ${client.name}: ${what}; bundle in ${client.out}${hook}`);
  }
  for (const planned of report.plan.nodes)
    for (const warning of planned.warnings) lines.push(`! ${planned.node}: ${warning}`);
  for (const n of report.nodes) {
    if (n.error)
      lines.push('', `✖ ${n.node}: ${n.error.message}`, ...(n.error.hint ? [`  → ${n.error.hint}`] : []));
  }
  return `${lines.join('\n')}\n`;
}

export function reportJson(report: RolloutReport): string {
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
        restartReason: n.restartReason,
        recordServed: n.recordServed,
        warnings: n.warnings,
      })),
    },
    null,
    2,
  )}\n`;
}

/** The plan (plan, --dry-run) or the outcome table (a rollout that ran), as JSON or for people. */
export function renderRollout(report: RolloutReport, ran: boolean, json: boolean): string {
  if (json) return reportJson(report);
  return ran ? `\n${renderReport(report)}` : `\n${renderPlan(report.plan, report.clients)}`;
}

/**
 * The error a fleet command exits with when a node did not take its change: on stderr, each such
 * node with its message and what to do, so that a plan or a --json run names the cause as well.
 */
export function rolloutFailure(report: RolloutReport): DeployTlsError | undefined {
  if (report.ok) return undefined;
  const bad = report.nodes.filter((n) => n.status === 'rolled-back' || n.status === 'failed');
  const details = bad.flatMap((n) =>
    n.error ? [`  ${n.node}: ${n.error.message}`, ...(n.error.hint ? [`    → ${n.error.hint}`] : [])] : [],
  );
  const untouched = report.nodes.some((n) => n.status === 'untouched');
  return new DeployTlsError(
    [`rollout stopped: ${bad.map((n) => `${n.node} ${n.status}`).join(', ')}`, ...details].join('\n'),
    {
      // Untouched nodes are the ones in the batches after the failure.
      hint: untouched
        ? 'the nodes after it were not touched; fix the cause and run the same command again'
        : 'fix the cause and run the same command again; the other nodes keep what they took',
    },
  );
}
