import { describe, expect, it } from 'vitest';
import { renderFleetReport } from '../../../src/report/fleet-html.js';
import { axisFor, position } from '../../../src/report/timeline.js';
import { FAILING, HOSTILE, NODES, NOW, reportInput } from '../../fixtures/fleet-report.js';

const rows = (html: string, table: string) =>
  [
    ...(html.split(`<table class="${table}"`)[1]?.split('</table>')[0] ?? '').matchAll(
      /<tr class="[^"]*" data-node="([^"]*)" data-status="(\w+)"/g,
    ),
  ].map((m) => [m[1], m[2]]);

describe('renderFleetReport', () => {
  it('has one row per node in both tables and marks the failing ones', () => {
    const html = renderFleetReport(reportInput());
    const expected = NODES.map((node) => [
      node.replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      FAILING.includes(node) ? 'failed' : 'ok',
    ]);
    expect(rows(html, 'fleet')).toEqual(expected);
    expect(rows(html, 'matrix')).toEqual(expected);
    expect(html).toContain('2 failing');
    expect(html).toContain('29 of 40 checks passed');
  });

  it('escapes every value and loads nothing: no script, no external reference', () => {
    const input = reportInput();
    input.title = '</title><script>alert(1)</script>';
    const html = renderFleetReport(input);
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<script');
    // a tag whose attributes (each quoted, values escaped) include src= or href=
    expect(html).not.toMatch(/<[a-z]+(\s+[a-z-]+="[^"]*")*\s+(src|href)=/i);
    expect(html).toContain('data-node="&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain("default-src 'none'");
  });

  it('a verify-only report has the matrix and no certificate table', () => {
    const html = renderFleetReport({ ...reportInput(), nodes: undefined, ca: undefined });
    expect(html).not.toContain('<table class="fleet"');
    expect(rows(html, 'matrix')).toHaveLength(NODES.length);
  });
});

describe('the shared timeline', () => {
  it('gives the first 400 days 60% of the width when CAs last years, and clamps', () => {
    const day = (n: number) => new Date(NOW.getTime() + n * 86_400_000);
    const axis = axisFor(NOW, [day(3650)]);
    expect(position(axis, day(0))).toBe(0);
    expect(position(axis, day(400))).toBe(288);
    expect(position(axis, day(3650))).toBe(480);
    expect(position(axis, day(-5))).toBe(0);
    expect(position(axisFor(NOW, [day(100)]), day(50))).toBe(240);
  });
});
