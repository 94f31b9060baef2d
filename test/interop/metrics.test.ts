// The textfile deploy-tls writes for node_exporter, judged by Prometheus's own linter.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

describe("the README's alert rules", () => {
  // promtool's rule unit tests start the clock at the Unix epoch: an expiry of 5 days is 432000.
  const rulesTest = `rule_files: [deploy-tls.rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'deploy_tls_last_run_success{command="rotate"}'
        values: '1 1 0x60'
      - series: 'deploy_tls_last_run_timestamp_seconds{command="rotate"}'
        values: '60x62'
      - series: 'deploy_tls_certificate_expiry_timestamp_seconds{role="node",node="broker1",listener="secure-listener"}'
        values: '432000x62'
      - series: 'deploy_tls_certificate_expiry_timestamp_seconds{role="root",name="Example Root CA"}'
        values: '315360000x62'
      - series: 'deploy_tls_listener_up{node="broker2",listener="secure-listener"}'
        values: '1x62'
      - series: 'deploy_tls_certificate_served_matches_deployed{node="broker2",listener="secure-listener"}'
        values: '0x62'
    alert_rule_test:
      - eval_time: 61m
        alertname: CertificateExpiresSoon
        exp_alerts:
          - exp_labels: { severity: warning, role: node, node: broker1, listener: secure-listener }
            exp_annotations: { summary: 'node certificate broker1 expires in 4d 22h 59m 0s' }
      - eval_time: 3m
        alertname: RotationFailed
        exp_alerts:
          - exp_labels: { severity: critical, command: rotate }
      - eval_time: 61m
        alertname: ServedCertificateNotDeployed
        exp_alerts:
          - exp_labels: { severity: warning, node: broker2, listener: secure-listener }
      - eval_time: 61m
        alertname: ListenerDown
        exp_alerts: []
`;

  it('load in promtool and fire on the series deploy-tls writes', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rules = /```yaml\n(# deploy-tls\.rules\.yml\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(rules).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'deploy-tls-rules-'));
    writeFileSync(join(dir, 'deploy-tls.rules.yml'), rules as string);
    writeFileSync(join(dir, 'deploy-tls.test.yml'), rulesTest);
    const checked = spawnSync(promtool, ['check', 'rules', 'deploy-tls.rules.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain('SUCCESS: 5 rules found');
    const tested = spawnSync(promtool, ['test', 'rules', 'deploy-tls.test.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(`${tested.stdout}${tested.stderr}`).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });
});
