import { describe, expect, it } from 'vitest';
import { formatExposition } from '../../../src/metrics/exposition.js';
import { type MetricsInput, metricFamilies, previousSamples } from '../../../src/metrics/fleet.js';

const at = (iso: string) => new Date(iso);
const render = (input: MetricsInput, previous = '') =>
  formatExposition(metricFamilies(input, previousSamples(previous)));

const statusRun: MetricsInput = {
  listeners: [
    {
      node: 'broker1',
      listener: 'secure-listener',
      up: true,
      servedNotAfter: at('2027-01-01T00:00:00Z'),
      servedMatchesDeployed: true,
    },
    { node: 'broker2', listener: 'secure-listener', up: false, servedMatchesDeployed: false },
  ],
  certificates: [
    { role: 'client', name: 'mqtt-client', notAfter: at('2027-01-11T00:00:00Z') },
    { role: 'intermediate', name: 'Example Intermediate CA', notAfter: at('2035-01-01T00:00:00Z') },
    { role: 'root', name: 'Example Root CA', notAfter: at('2036-01-01T00:00:00Z') },
  ],
  runs: [{ command: 'status', finishedAt: at('2026-01-01T03:00:00.250Z'), success: false }],
};

function series(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('metricFamilies', () => {
  it('turns a status run into expiry, match, up and last-run series', () => {
    const text = render(statusRun);
    expect(series(text)).toEqual([
      'deploy_tls_certificate_expiry_timestamp_seconds{role="client",name="mqtt-client"} 1799625600',
      'deploy_tls_certificate_expiry_timestamp_seconds{role="intermediate",name="Example Intermediate CA"} 2051222400',
      'deploy_tls_certificate_expiry_timestamp_seconds{role="node",node="broker1",listener="secure-listener"} 1798761600',
      'deploy_tls_certificate_expiry_timestamp_seconds{role="root",name="Example Root CA"} 2082758400',
      'deploy_tls_certificate_served_matches_deployed{node="broker1",listener="secure-listener"} 1',
      'deploy_tls_certificate_served_matches_deployed{node="broker2",listener="secure-listener"} 0',
      'deploy_tls_listener_up{node="broker1",listener="secure-listener"} 1',
      'deploy_tls_listener_up{node="broker2",listener="secure-listener"} 0',
      'deploy_tls_last_run_timestamp_seconds{command="status"} 1767236400.25',
      'deploy_tls_last_run_success{command="status"} 0',
    ]);
    for (const name of [
      'expiry_timestamp_seconds',
      'served_matches_deployed',
      'listener_up',
      'last_run_success',
    ]) {
      expect(text).toMatch(
        new RegExp(`# HELP deploy_tls_\\w*${name} .+\\n# TYPE deploy_tls_\\w*${name} gauge\\n`),
      );
    }
  });

  it("a rotate run replaces its own last-run series and keeps status's series", () => {
    const afterStatus = render(statusRun);
    const afterRotate = render(
      { runs: [{ command: 'rotate', finishedAt: at('2026-01-02T03:00:00Z'), success: true }] },
      afterStatus,
    );
    expect(series(afterRotate)).toEqual(
      [
        ...series(afterStatus),
        'deploy_tls_last_run_timestamp_seconds{command="rotate"} 1767322800',
        'deploy_tls_last_run_success{command="rotate"} 1',
      ].sort(byFamily),
    );
    const rotateFailed = render(
      { runs: [{ command: 'rotate', finishedAt: at('2026-01-03T03:00:00Z'), success: false }] },
      afterRotate,
    );
    expect(series(rotateFailed)).toContain('deploy_tls_last_run_success{command="rotate"} 0');
    expect(series(rotateFailed)).not.toContain('deploy_tls_last_run_success{command="rotate"} 1');
    expect(series(rotateFailed)).toContain('deploy_tls_last_run_success{command="status"} 0');
  });

  it('a status run replaces every node series: a node gone from the inventory disappears', () => {
    const next = render(
      {
        listeners: statusRun.listeners?.slice(0, 1),
        runs: [{ command: 'status', finishedAt: at('2026-01-04T00:00:00Z'), success: true }],
      },
      render(statusRun),
    );
    expect(next).not.toContain('broker2');
    expect(next).toContain('name="mqtt-client"'); // certificates were not observed: kept
    expect(series(next).filter((l) => l.includes('command="status"'))).toEqual([
      'deploy_tls_last_run_timestamp_seconds{command="status"} 1767484800',
      'deploy_tls_last_run_success{command="status"} 1',
    ]);
  });

  it('keeps nothing from a file but well-formed series of its own shape', () => {
    const damaged = [
      'deploy_tls_listener_up{node="b9",listener="l",extra="x"} 1',
      'deploy_tls_listener_up{node="b9",listener="l"} 7',
      'deploy_tls_last_run_success{command="evil"} 2',
      'deploy_tls_certificate_expiry_timestamp_seconds{role="admin",name="x"} 1',
      'deploy_tls_certificate_expiry_timestamp_seconds{role="client",name="ok"} NaN',
      'deploy_tls_last_run_timestamp_seconds{command="verify"} 100',
      'deploy_tls_last_run_timestamp_seconds{command="verify"} 200',
      'node_load1 3',
    ].join('\n');
    expect(series(render({}, damaged))).toEqual([
      'deploy_tls_last_run_timestamp_seconds{command="verify"} 200',
    ]);
  });
});

const ORDER = ['expiry', 'served_matches', 'listener_up', 'last_run_timestamp', 'last_run_success'];
function byFamily(a: string, b: string): number {
  const rank = (line: string) => ORDER.findIndex((part) => line.includes(part));
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
