// status's table: one row per node and TLS listener, what each node's truststore trusts, then the
// CA's days left and warnings; and what status saw as Prometheus samples and as the HTML fleet
// page's input.
import type { StatusReport } from '../commands/status.js';
import type { MetricsInput } from '../metrics/fleet.js';
import type { CertificateSummary } from '../pki/inspect.js';
import type { FleetReportInput } from '../report/fleet-html.js';
import { pageCa } from './outputs.js';
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
    `${n.listenerName} ${n.endpoint}: ${n.listener}`,
    n.sans.join(', ') || '-',
  ]);
  const lines = [...table(header, rows), ''];
  // All listeners of a node share its truststore: one line per node.
  const trusts = new Map(report.nodes.flatMap((n) => (n.trusts ? [[n.node, n.trusts] as const] : [])));
  for (const [node, subjects] of trusts)
    lines.push(`${node} truststore trusts: ${subjects.map(commonNameOrSubject).join('; ') || 'nothing'}`);
  lines.push(
    `intermediate CA: ${report.intermediateDaysLeft} days left; root CA: ${report.rootDaysLeft} days left`,
  );
  for (const n of report.nodes.filter((row) => row.problem)) lines.push(`! ${n.node}: ${n.problem}`);
  for (const warning of report.warnings) lines.push(`! ${warning}`);
  return `${lines.join('\n')}\n`;
}

/** What status observed, for the Prometheus textfile: every listener, the CA and the client bundles. */
export function statusMetrics(report: StatusReport): MetricsInput {
  const caCertificate = (role: 'root' | 'intermediate', cert: CertificateSummary) => ({
    role,
    name: commonName(cert.subject) ?? role,
    notAfter: new Date(cert.notAfter),
  });
  return {
    listeners: report.nodes.map((row) => ({
      node: row.node,
      listener: row.listenerName,
      up: row.listener === 'reachable',
      servedNotAfter: row.servedNotAfter ? new Date(row.servedNotAfter) : undefined,
      servedMatchesDeployed: row.servedIsRecorded,
    })),
    certificates: [
      caCertificate('root', report.ca.root),
      caCertificate('intermediate', report.ca.intermediate),
      ...report.clients.flatMap((client) =>
        client.notAfter
          ? [{ role: 'client' as const, name: client.name, notAfter: new Date(client.notAfter) }]
          : [],
      ),
    ],
  };
}

const commonNameOrSubject = (subject: string) => commonName(subject) ?? subject;

/** The CN of a subject as `ca show` prints it ("C=DE, O=Example, CN=Example Root CA"). */
function commonName(subject: string): string | undefined {
  return /(?:^|, )CN=(.+?)(?:, [A-Z]+=|$)/.exec(subject)?.[1];
}

/** status as the HTML fleet page: the served certificates on one timeline with the CA. */
export function statusPage(report: StatusReport, title: string, generatedAt: Date): FleetReportInput {
  return {
    title,
    generatedAt,
    ca: pageCa(report.ca),
    nodes: report.nodes.map((row) => ({
      node: row.node,
      endpoint: `${row.endpoint} (${row.listenerName})`,
      served:
        row.served && row.servedNotAfter
          ? {
              subject: '',
              serial: row.served,
              // the keystore's SANs are the served certificate's only when it is the keystore's
              sans: row.served === row.serial ? row.sans : [],
              notAfter: new Date(row.servedNotAfter),
            }
          : undefined,
      servedMatchesDeployed: row.servedIsRecorded,
      listenerUp: row.listener === 'reachable',
      lastChange: row.lastChange,
      problem: row.problem,
    })),
  };
}
