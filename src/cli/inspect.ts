// `deploy-tls inspect TARGET`: argv in, a report out as text (like `step certificate inspect`) or JSON.
import type { Command } from 'commander';
import { DeployTlsError } from '../errors.js';
import type { CertificateDetails } from '../inspect/certificate.js';
import type { InspectedEntry, InspectReport } from '../inspect/inspect.js';
import { type CliIo, positiveInt } from './options.js';
import { PASSWORD_ENV, requiredSecret } from './secrets.js';

interface InspectFlags {
  caDir?: string;
  clientBundle?: string;
  passwordFile?: string;
  timeout: number;
  json?: boolean;
}

export function addInspectCommand(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description(
      'show what a keystore, a certificate file or a TLS listener holds, and whether it chains to the CA',
    )
    .argument('<target>', 'a JKS or PKCS#12 store, a PEM or DER certificate file, or host:port')
    .option('--ca-dir <dir>', 'check that every chain leads to this CA (exit 1 when one does not)')
    .option('--client-bundle <dir>', 'with host:port: present this client bundle (mutual TLS)')
    .option(
      '--password-file <file>',
      `the store password, also of an encrypted client key (default: env ${PASSWORD_ENV.keystore})`,
    )
    .option('--timeout <seconds>', 'with host:port: handshake timeout', positiveInt, 10)
    .option('--json', 'print JSON')
    .action(async (target: string, flags: InspectFlags) => {
      const { inspectTarget } = await import('../commands/inspect.js');
      const report = await inspectTarget(
        { target, caDir: flags.caDir, clientBundle: flags.clientBundle, timeoutMs: flags.timeout * 1000 },
        {
          now: () => io.clock.now(),
          password: () =>
            requiredSecret(
              {
                label: 'store password',
                envName: PASSWORD_ENV.keystore,
                file: flags.passwordFile,
                fileOption: '--password-file',
              },
              io,
            ),
        },
      );
      io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report));
      const broken = report.entries.filter((entry) => entry.chainsToCa && !entry.chainsToCa.ok);
      if (broken.length > 0) {
        throw new DeployTlsError(
          `${broken.length} of ${report.entries.length} chains do not lead to the CA in ${report.caDir}`,
          {
            hint: 'see "chains to CA" above',
          },
        );
      }
    });
}

export function renderInspect(report: InspectReport): string {
  const lines: string[] = [];
  if (report.tls) {
    const t = report.tls;
    lines.push(
      `${report.target}: ${t.protocol}, ${t.cipher}, handshake ${t.handshakeMs} ms`,
      `  name ${t.host} ${t.nameMatches ? 'is covered by the certificate' : 'is NOT covered by the certificate'}`,
    );
    if (t.clientCertificate) lines.push(`  client certificate presented: ${t.clientCertificate}`);
  } else {
    const what = { jks: 'JKS keystore', pkcs12: 'PKCS#12 keystore', pem: 'PEM file', der: 'DER certificate' }[
      report.source as 'jks' | 'pkcs12' | 'pem' | 'der'
    ];
    const entries = report.entries.length === 1 ? '1 entry' : `${report.entries.length} entries`;
    lines.push(`${report.target}: ${what}, ${entries}`);
    if (report.privateKey) lines.push(`  also holds a private key (${report.privateKey}; not shown)`);
  }
  for (const entry of report.entries) lines.push('', ...entryLines(entry, report.caDir));
  return `${lines.join('\n')}\n`;
}

function entryLines(entry: InspectedEntry, caDir: string | undefined): string[] {
  const title = {
    'private-key': `key entry "${entry.alias}"`,
    'trusted-cert': `trusted certificate "${entry.alias}"`,
    certificates: 'certificates',
    served: 'served chain',
  }[entry.kind];
  const lines = [
    `${title}: ${entry.certificates.length} certificate${entry.certificates.length === 1 ? '' : 's'}`,
  ];
  for (const [i, cert] of entry.certificates.entries()) lines.push(...certificateLines(cert, i));
  if (entry.chainsToCa) {
    const verdict = entry.chainsToCa;
    lines.push(
      verdict.ok
        ? `  chains to CA ${caDir}: yes (${verdict.path.join(' → ')})`
        : `  chains to CA ${caDir}: NO: ${verdict.reason}`,
    );
  }
  return lines;
}

function certificateLines(cert: CertificateDetails, index: number): string[] {
  const role = cert.selfSigned ? 'root' : cert.ca ? 'CA' : 'leaf';
  const left = cert.daysLeft < 0 ? `EXPIRED ${-cert.daysLeft} days ago` : `${cert.daysLeft} days left`;
  const lines = [
    `  [${index + 1}] ${role}`,
    `      subject   ${cert.subject}`,
    `      issuer    ${cert.issuer}`,
  ];
  if (cert.sans.length > 0) lines.push(`      sans      ${cert.sans.join(', ')}`);
  lines.push(
    `      serial    ${cert.serial}`,
    `      valid     ${cert.notBefore} → ${cert.notAfter}  (${left})`,
    `      key       ${cert.key}`,
  );
  if (cert.extendedKeyUsage.length > 0) lines.push(`      usage     ${cert.extendedKeyUsage.join(', ')}`);
  lines.push(`      sha256    ${cert.sha256}`, `      sha1      ${cert.sha1}`);
  return lines;
}
