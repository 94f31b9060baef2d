// The fleet report: one self-contained HTML page (inline CSS and SVG, no script, no external asset,
// and a Content-Security-Policy that forbids loading any) that a person opens from a file or a CI
// artifact. Pure: a status-like and a verify-like value in, the page's text out.
import { escapeHtml as h } from './escape.js';
import { type Axis, axisFor, axisSvg, barSvg, daysLeft, urgency } from './timeline.js';

export interface ReportCertificate {
  subject: string;
  serial: string;
  notAfter: Date;
}

/** One node as `status` sees it. */
export interface ReportNode {
  node: string;
  /** "broker1.example.com:8883 (secure-listener)" or what the caller finds telling. */
  endpoint?: string;
  /** What the listener serves; absent when nothing answered. */
  served?: ReportCertificate & { sans: string[] };
  servedMatchesDeployed: boolean;
  listenerUp: boolean;
  /** The last change the ledger records. */
  lastChange?: { time: string; action: string; result: string; serial?: string };
  problem?: string;
}

/** One check of `verify`'s matrix. */
export interface ReportCheck {
  node: string;
  check: string;
  ok: boolean;
  observed: string;
  hint?: string;
}

export interface FleetReportInput {
  title: string;
  generatedAt: Date;
  ca?: { root: ReportCertificate; intermediate: ReportCertificate };
  /** status's rows; absent for a verify-only report. */
  nodes?: readonly ReportNode[];
  /** verify's results; absent for a status-only report. */
  checks?: readonly ReportCheck[];
}

const STYLE = `
:root { color-scheme: light; --ok: #2e7d32; --warning: #ed8b00; --critical: #c62828; --muted: #666; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
.summary span { display: inline-block; margin-right: 1rem; padding: .2rem .6rem; border-radius: 1rem; background: #eee; }
.summary .bad { background: #fde0e0; color: var(--critical); font-weight: 600; }
table { border-collapse: collapse; } th, td { padding: .3rem .6rem; text-align: left; vertical-align: middle; }
thead th { border-bottom: 2px solid #ccc; font-weight: 600; }
tbody tr { border-bottom: 1px solid #eee; }
tr.failed { background: #fff1f1; } tr.failed th { color: var(--critical); }
tr.ca th { color: var(--muted); font-weight: 500; }
.badge { font-size: .8rem; padding: 0 .4rem; border-radius: .3rem; margin-left: .4rem; }
.badge.failed { background: var(--critical); color: #fff; }
.no { color: var(--critical); font-weight: 600; } .yes { color: var(--ok); }
.days { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
.days.expired, .days.critical { color: var(--critical); font-weight: 600; } .days.warning { color: var(--warning); }
code { font-size: .85em; word-break: break-all; }
svg.bar .track { fill: #f3f3f3; } svg.bar .track.far { fill: #e6e6e6; } svg.bar .fill.ok { fill: var(--ok); } svg.bar .fill.warning { fill: var(--warning); }
svg.bar .fill.critical, svg.bar .fill.expired { fill: var(--critical); }
svg.bar .mark { stroke: #333; stroke-width: 2; stroke-dasharray: 3 2; }
svg.axis line { stroke: #999; } svg.axis text { font-size: 10px; fill: var(--muted); }
table.matrix th.check { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: 500; font-size: .8rem; max-height: 14rem; }
table.matrix td { text-align: center; font-size: 1.1rem; }
table.matrix td.pass { color: var(--ok); } table.matrix td.fail { color: #fff; background: var(--critical); }
.problem { color: var(--critical); }
`;

function nodeNames(input: FleetReportInput): string[] {
  const names = [...(input.nodes ?? []).map((n) => n.node), ...(input.checks ?? []).map((c) => c.node)];
  return [...new Set(names)];
}

function failedNodes(input: FleetReportInput): Set<string> {
  const failed = new Set<string>();
  for (const check of input.checks ?? []) if (!check.ok) failed.add(check.node);
  for (const node of input.nodes ?? []) {
    if (!node.listenerUp || !node.servedMatchesDeployed || node.problem) failed.add(node.node);
  }
  return failed;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

function daysCell(now: Date, notAfter: Date): string {
  const days = daysLeft(now, notAfter);
  return `<td class="days ${urgency(days)}">${days < 0 ? `expired ${-days} d ago` : `${days} d`}</td>`;
}

function caRows(input: FleetReportInput, axis: Axis): string[] {
  if (!input.ca) return [];
  const { root, intermediate } = input.ca;
  return [
    ['root CA', root],
    ['intermediate CA', intermediate],
  ].map(([label, cert]) => {
    const c = cert as ReportCertificate;
    return `<tr class="ca" data-ca="${h(label as string)}"><th scope="row">${h(label as string)}</th><td colspan="2"><code>${h(c.subject)}</code></td>${daysCell(input.generatedAt, c.notAfter)}<td>${barSvg(axis, c.notAfter, [], `${label}: until ${day(c.notAfter)}`)}</td><td colspan="2"></td></tr>`;
  });
}

function nodeRows(input: FleetReportInput, axis: Axis, failed: Set<string>): string[] {
  const byName = new Map((input.nodes ?? []).map((n) => [n.node, n]));
  const marks = input.ca
    ? [
        {
          label: `intermediate CA ends ${day(input.ca.intermediate.notAfter)}`,
          at: input.ca.intermediate.notAfter,
        },
        { label: `root CA ends ${day(input.ca.root.notAfter)}`, at: input.ca.root.notAfter },
      ]
    : [];
  return nodeNames(input).map((name) => {
    const node = byName.get(name);
    const bad = failed.has(name);
    const badge = bad ? '<span class="badge failed">✖ failing</span>' : '';
    const cells: string[] = [];
    if (!node) {
      cells.push('<td colspan="6">not in the status</td>');
    } else {
      const served = node.served;
      cells.push(
        `<td>${node.endpoint ? h(node.endpoint) : ''}${node.listenerUp ? '' : ' <span class="no">down</span>'}</td>`,
        served
          ? `<td><code>${h(served.serial)}</code><br>${h(served.sans.join(', '))}</td>`
          : '<td class="no">nothing served</td>',
        served ? daysCell(input.generatedAt, served.notAfter) : '<td class="days">–</td>',
        `<td>${served ? barSvg(axis, served.notAfter, marks, `${name}: until ${day(served.notAfter)}`) : ''}</td>`,
        `<td class="${node.servedMatchesDeployed ? 'yes' : 'no'}">${node.servedMatchesDeployed ? 'yes' : 'NO'}</td>`,
        `<td>${lastChange(node)}${node.problem ? `<div class="problem">${h(node.problem)}</div>` : ''}</td>`,
      );
    }
    return `<tr class="node${bad ? ' failed' : ''}" data-node="${h(name)}" data-status="${bad ? 'failed' : 'ok'}"><th scope="row">${h(name)}${badge}</th>${cells.join('')}</tr>`;
  });
}

function lastChange(node: ReportNode): string {
  const change = node.lastChange;
  if (!change) return '<span class="meta">none recorded</span>';
  return `${h(change.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}<br>${h(change.action)}, ${h(change.result)}`;
}

function matrix(input: FleetReportInput, failed: Set<string>): string {
  const checks = input.checks ?? [];
  if (checks.length === 0) return '';
  const names = [...new Set(checks.map((c) => c.check))];
  const byKey = new Map(checks.map((c) => [`${c.node}\u0000${c.check}`, c]));
  const header = names.map((name) => `<th class="check" scope="col">${h(name)}</th>`).join('');
  const rows = [...new Set(checks.map((c) => c.node))].map((node) => {
    const cells = names.map((name) => {
      const c = byKey.get(`${node}\u0000${name}`);
      if (!c) return '<td title="not run">·</td>';
      const title = `${name}: ${c.observed}${c.hint ? ` → ${c.hint}` : ''}`;
      return `<td class="${c.ok ? 'pass' : 'fail'}" title="${h(title)}">${c.ok ? '✔' : '✖'}</td>`;
    });
    const bad = failed.has(node);
    return `<tr class="${bad ? 'failed' : ''}" data-node="${h(node)}" data-status="${bad ? 'failed' : 'ok'}"><th scope="row">${h(node)}</th>${cells.join('')}</tr>`;
  });
  const failures = checks
    .filter((c) => !c.ok)
    .map(
      (c) =>
        `<li><b>${h(c.node)}</b>, ${h(c.check)}: ${h(c.observed)}${c.hint ? ` → ${h(c.hint)}` : ''}</li>`,
    );
  return `<h2>Verification matrix</h2>
<table class="matrix"><thead><tr><th scope="col">node</th>${header}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${failures.length > 0 ? `<ul class="failures">${failures.join('')}</ul>` : ''}`;
}

export function renderFleetReport(input: FleetReportInput): string {
  const failed = failedNodes(input);
  const names = nodeNames(input);
  const expiries = [
    ...(input.nodes ?? []).flatMap((n) => (n.served ? [n.served.notAfter] : [])),
    ...(input.ca ? [input.ca.root.notAfter, input.ca.intermediate.notAfter] : []),
  ];
  const axis = axisFor(input.generatedAt, expiries);
  const failedChecks = (input.checks ?? []).filter((c) => !c.ok).length;
  const summary = [
    `<span>${names.length} node${names.length === 1 ? '' : 's'}</span>`,
    `<span class="${failed.size > 0 ? 'bad' : ''}">${failed.size} failing</span>`,
    ...(input.checks
      ? [
          `<span class="${failedChecks > 0 ? 'bad' : ''}">${input.checks.length - failedChecks} of ${input.checks.length} checks passed</span>`,
        ]
      : []),
  ];
  const fleet = !input.nodes
    ? ''
    : `<h2>Certificates</h2>
<table class="fleet"><thead><tr><th scope="col">node</th><th scope="col">listener</th><th scope="col">served certificate</th><th scope="col">left</th><th scope="col">${axisSvg(axis)}</th><th scope="col">served = deployed</th><th scope="col">last change</th></tr></thead><tbody>
${[...caRows(input, axis), ...nodeRows(input, axis, failed)].join('\n')}
</tbody></table>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${h(input.title)}</h1>
<p class="meta">generated ${h(input.generatedAt.toISOString())}; bars run from now to each certificate's end on one scale${axis.near ? ' (the first 400 days on the lighter part, the years after on the darker part)' : ''}; dashed marks where the intermediate and the root CA end</p>
<p class="summary">${summary.join('')}</p>
${fleet}
${matrix(input, failed)}
</body>
</html>
`;
}
