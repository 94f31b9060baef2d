// The textfile deploy-tls writes for node_exporter, judged by Prometheus's own linter.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { updateTextfile } from '../../src/metrics/textfile.js';
import { requireTool } from '../helpers/system-tools.js';

let promtool: string;
beforeAll(async () => {
  promtool = await requireTool('promtool', 'prometheus');
}, 900_000);

function check(text: string) {
  const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('promtool check metrics', () => {
  it('passes on the textfile after a status run and a failed rotate run, hostile names included', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'deploy-tls-promtool-')), 'deploy-tls.prom');
    const now = new Date('2026-03-01T03:00:00Z');
    await updateTextfile(path, {
      listeners: [
        {
          node: 'broker1',
          listener: 'secure-listener',
          up: true,
          servedNotAfter: new Date('2027-03-01T03:00:00Z'),
          servedMatchesDeployed: true,
        },
        { node: 'broker "2"\\\n', listener: 'tls', up: false, servedMatchesDeployed: false },
      ],
      certificates: [
        { role: 'client', name: 'mqtt-client', notAfter: new Date('2027-03-11T03:00:00Z') },
        { role: 'intermediate', name: 'Example Intermediate CA', notAfter: new Date('2036-02-27T00:00:00Z') },
        { role: 'root', name: 'Example Root CA', notAfter: new Date('2036-02-29T00:00:00Z') },
      ],
      runs: [{ command: 'status', finishedAt: now, success: false }],
    });
    await updateTextfile(path, { runs: [{ command: 'rotate', finishedAt: now, success: false }] });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('deploy_tls_last_run_success{command="rotate"} 0');
    expect(text).toContain('deploy_tls_listener_up{node="broker \\"2\\"\\\\\\n",listener="tls"} 0');
    expect(check(text)).toEqual({ code: 0, output: '' });
  });

  it('is a linter that does fail: a counter without _total and a family without HELP', () => {
    const bad = check('# TYPE deploy_tls_runs counter\ndeploy_tls_runs 1\ndeploy_tls_x 1\n');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('_total');
    expect(bad.output).toContain('no help text');
  });
});
