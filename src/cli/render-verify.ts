// verify's output: a table for people, JSON for scripts, JUnit XML for CI systems.
import type { VerifyReport } from '../commands/verify.js';
import type { FleetReportInput } from '../report/fleet-html.js';
import { pageCa } from './outputs.js';

export function renderVerify(report: VerifyReport): string {
  const rows = report.results.map((r) => [r.node, r.ok ? '✔' : '✖', r.check, r.observed]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] as string).length), 4));
  const lines = rows.map((row) =>
    row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] as number) : cell)).join('  '),
  );
  for (const r of report.results.filter((result) => !result.ok && result.hint))
    lines.push(`  → ${r.node}, ${r.check}: ${r.hint}`);
  const failed = report.results.filter((r) => !r.ok).length;
  lines.push(
    '',
    failed === 0
      ? `✔ ${report.results.length} checks passed`
      : `✖ ${failed} of ${report.results.length} checks failed`,
  );
  return `${lines.join('\n')}\n`;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );

export function verifyJunit(report: VerifyReport): string {
  const byNode = new Map<string, VerifyReport['results']>();
  for (const r of report.results) byNode.set(r.node, [...(byNode.get(r.node) ?? []), r]);
  const suites = [...byNode].map(([node, results]) => {
    const cases = results.map((r) => {
      const time = ((r.ms ?? 0) / 1000).toFixed(3);
      const failure = r.ok
        ? ''
        : `<failure message="${escapeXml(r.observed)}">${escapeXml(r.hint ?? '')}</failure>`;
      return `    <testcase classname="deploy-tls.verify.${escapeXml(node)}" name="${escapeXml(r.check)}" time="${time}">${failure}</testcase>`;
    });
    const failures = results.filter((r) => !r.ok).length;
    return `  <testsuite name="${escapeXml(node)}" tests="${results.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="deploy-tls verify">\n${suites.join('\n')}\n</testsuites>\n`;
}

/** verify as the HTML fleet page: the matrix as a grid, the CA on the timeline. */
export function verifyPage(report: VerifyReport, title: string, generatedAt: Date): FleetReportInput {
  return { title, generatedAt, ca: pageCa(report.ca), checks: report.results };
}
