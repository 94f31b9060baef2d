// The HTML fleet report as a browser sees it: headless Chromium (Debian's) parses and lays out the
// page; its DOM must have one row per node with the failing ones marked, and no element from a name.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderFleetReport } from '../../src/report/fleet-html.js';
import { FAILING, NODES, reportInput } from '../fixtures/fleet-report.js';
import { requireTool } from '../helpers/system-tools.js';

let chromium: string;
let work: string;
let page: string;

beforeAll(async () => {
  chromium = await requireTool('chromium', 'chromium');
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-report-'));
  page = join(work, 'report.html');
  writeFileSync(page, renderFleetReport(reportInput()));
}, 900_000);

/** Headless, offline, a fresh profile: nothing from this machine's or a previous run's state. */
function browse(args: string[]) {
  const result = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox', // we run as root, where Chromium's sandbox cannot start
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(work, 'profile-'))}`,
      ...args,
      pathToFileURL(page).href,
    ],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  expect(result.status, result.stderr).toBe(0);
  return result;
}

describe('the fleet report in Chromium', () => {
  it('renders one row per node in the certificate table and the matrix, failing nodes marked', () => {
    const dom = browse(['--dump-dom']).stdout;
    const table = (name: string) => dom.split(`<table class="${name}"`)[1]?.split('</table>')[0] ?? '';
    for (const name of ['fleet', 'matrix']) {
      const rows = [...table(name).matchAll(/<tr class="([^"]*)" data-node="([^"]*)" data-status="(\w+)"/g)];
      expect(rows.map((r) => r[2])).toEqual(NODES.map((n) => n.replace(/</g, '&lt;').replace(/>/g, '&gt;')));
      const failed = rows.filter((r) => r[3] === 'failed' && r[1]?.includes('failed')).map((r) => r[2]);
      expect(failed).toEqual(FAILING.map((n) => n.replace(/</g, '&lt;').replace(/>/g, '&gt;')));
    }
    expect(table('matrix')).toContain(
      '<td class="fail" title="refused without a client certificate: accepted',
    );
    // the node named like markup stayed text: the browser built no element from it
    expect(dom).not.toMatch(/<img/i);
    expect(dom).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect((dom.match(/<svg class="bar"/g) ?? []).length).toBe(2 + 3); // root, intermediate, 3 served nodes
  });

  it('lays out into a screenshot', () => {
    const shot = join(work, 'report.png');
    browse([`--screenshot=${shot}`, '--window-size=1400,1300']);
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1400); // IHDR width
  });
});
