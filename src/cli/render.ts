// Everything the CLI prints about results and errors. One place, so the format stays one format.
import { DeployTlsError, InventoryError } from '../errors.js';
import type { CaSummary, CertificateSummary } from '../pki/inspect.js';
import { LEAF_DAYS } from '../pki/profiles.js';

export function renderError(error: unknown, debug: boolean): string {
  if (error instanceof DeployTlsError) {
    const who = error.node ? `${error.node}: ` : '';
    const lines = [`✖ ${who}${error.message}`];
    if (error instanceof InventoryError) {
      for (const problem of error.problems) {
        lines.push(`  ${problem.location} ${problem.path ? `${problem.path}: ` : ''}${problem.message}`);
      }
    }
    if (error.hint) lines.push(`  → ${error.hint}`);
    if (debug && error.stack) lines.push(error.stack);
    if (debug && error.cause instanceof Error) lines.push(`caused by: ${error.cause.stack}`);
    return `${lines.join('\n')}\n`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return `✖ unexpected error: ${message}${stack}\n  → rerun with DEPLOY_TLS_DEBUG=1 and report it\n`;
}

function certificateLines(title: string, cert: CertificateSummary): string[] {
  const status =
    cert.status && cert.status !== 'V' ? ` [${cert.status === 'R' ? 'revoked' : 'expired'}]` : '';
  const lines = [
    `${title}${status}`,
    `  subject   ${cert.subject}`,
    `  serial    ${cert.serial}`,
    `  valid     ${cert.notBefore.slice(0, 10) || '?'} → ${cert.notAfter.slice(0, 10)}  (${cert.daysLeft} days left)`,
    `  key       ${cert.key}`,
    `  sha256    ${cert.sha256}`,
  ];
  if (cert.sans.length > 0) lines.push(`  sans      ${cert.sans.join(', ')}`);
  return lines;
}

export function renderCaSummary(summary: CaSummary): string {
  const lines = [
    `CA ${summary.dir}`,
    '',
    ...certificateLines(`Root CA${summary.rootKeyPresent ? '' : ' (key offline)'}`, summary.root),
    '',
    ...certificateLines('Intermediate CA', summary.intermediate),
  ];
  if (summary.intermediate.daysLeft < LEAF_DAYS) {
    lines.push(
      `  ! a ${LEAF_DAYS}-day leaf issued now would outlive the intermediate: plan a new intermediate`,
    );
  }
  lines.push('', `Issued by the intermediate: ${summary.issued.length}`);
  for (const cert of summary.issued)
    lines.push('', ...certificateLines(`  ${cert.subject}`, cert).map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

/** Rows under a header, each column as wide as its widest cell. */
export function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
