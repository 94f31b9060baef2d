// status's report as Prometheus samples and as the fleet page's input.
import { describe, expect, it } from 'vitest';
import { statusMetrics, statusPage } from '../../../src/cli/render-status.js';
import type { NodeStatusRow, StatusReport } from '../../../src/commands/status.js';
import type { CertificateSummary } from '../../../src/pki/inspect.js';

const ca = (subject: string, notAfter: string): CertificateSummary => ({
  subject,
  issuer: subject,
  serial: 'AB',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter,
  daysLeft: 3600,
  key: 'RSA 4096',
  sha256: '00',
  sans: [],
});

const row = (node: string, extra: Partial<NodeStatusRow>): NodeStatusRow => ({
  node,
  listenerName: 'secure-listener',
  endpoint: `10.0.0.1:8883`,
  sans: [`DNS:${node}.example.com`],
  servedIsRecorded: false,
  listener: 'reachable',
  ...extra,
});

const report: StatusReport = {
  ok: false,
  nodes: [
    row('broker1', {
      serial: 'A1',
      served: 'A1',
      servedNotAfter: '2027-11-27T00:00:00.000Z',
      servedIsRecorded: true,
    }),
    // serves a certificate that is not the one in its keystore
    row('broker2', {
      serial: 'B2',
      served: 'C3',
      servedNotAfter: '2027-01-01T00:00:00.000Z',
      listenerName: 'tls-2',
    }),
    row('broker3', { listener: 'connection-refused', problem: 'cannot connect' }),
  ],
  intermediateDaysLeft: 3600,
  rootDaysLeft: 3600,
  ca: {
    root: ca('C=DE, O=Example, CN=Example Root CA', '2036-11-27T00:00:00.000Z'),
    intermediate: ca(
      'C=DE, O=Example, OU=Ops, CN=Example Intermediate CA 2026-11-27',
      '2036-11-25T00:00:00.000Z',
    ),
  },
  clients: [
    { name: 'app', out: '/srv/clients/app', serial: 'D4', notAfter: '2027-12-07T00:00:00.000Z' },
    { name: 'new-app', out: '/srv/clients/new-app', problem: 'no bundle yet' },
  ],
  warnings: [],
};

describe('status as metrics', () => {
  it('one listener series per node under its listener name, the served expiry, the CA and client bundles', () => {
    const metrics = statusMetrics(report);
    expect(metrics.listeners).toEqual([
      {
        node: 'broker1',
        listener: 'secure-listener',
        up: true,
        servedNotAfter: new Date('2027-11-27T00:00:00.000Z'),
        servedMatchesDeployed: true,
      },
      {
        node: 'broker2',
        listener: 'tls-2',
        up: true,
        servedNotAfter: new Date('2027-01-01T00:00:00.000Z'),
        servedMatchesDeployed: false,
      },
      {
        node: 'broker3',
        listener: 'secure-listener',
        up: false,
        servedNotAfter: undefined,
        servedMatchesDeployed: false,
      },
    ]);
    expect(metrics.certificates).toEqual([
      { role: 'root', name: 'Example Root CA', notAfter: new Date('2036-11-27T00:00:00.000Z') },
      {
        role: 'intermediate',
        name: 'Example Intermediate CA 2026-11-27',
        notAfter: new Date('2036-11-25T00:00:00.000Z'),
      },
      { role: 'client', name: 'app', notAfter: new Date('2027-12-07T00:00:00.000Z') },
    ]);
    expect(metrics.runs).toBeUndefined(); // the command adds its run, also when it fails
  });
});

describe('status as the fleet page', () => {
  it('shows what each listener serves, with SANs only where they are known to be its', () => {
    const page = statusPage(report, 'deploy-tls fleet report: prod.yaml', new Date('2026-11-27T00:00:00Z'));
    const [one, two, three] = page.nodes ?? [];
    expect(one).toMatchObject({
      endpoint: '10.0.0.1:8883 (secure-listener)',
      served: {
        serial: 'A1',
        sans: ['DNS:broker1.example.com'],
        notAfter: new Date('2027-11-27T00:00:00.000Z'),
      },
      servedMatchesDeployed: true,
      listenerUp: true,
    });
    expect(two?.served).toMatchObject({ serial: 'C3', sans: [] });
    expect(three).toMatchObject({ served: undefined, listenerUp: false, problem: 'cannot connect' });
    expect(page.ca?.root.notAfter).toEqual(new Date('2036-11-27T00:00:00.000Z'));
  });
});
