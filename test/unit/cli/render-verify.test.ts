import { describe, expect, it } from 'vitest';
import { renderVerify, verifyJunit, verifyPage } from '../../../src/cli/render-verify.js';
import type { CertificateSummary } from '../../../src/pki/inspect.js';

const caCertificate = (cn: string, notAfter: string): CertificateSummary => ({
  subject: `O=Example, CN=${cn}`,
  issuer: 'O=Example, CN=Root',
  serial: 'AB',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter,
  daysLeft: 3000,
  key: 'RSA 4096',
  sha256: '00',
  sans: [],
});

const report = {
  ca: {
    root: caCertificate('Root', '2036-01-01T00:00:00.000Z'),
    intermediate: caCertificate('Intermediate', '2035-12-30T00:00:00.000Z'),
  },
  ok: false,
  results: [
    { node: 'broker1', check: 'mTLS MQTT 5 round trip', ok: true, observed: 'connect 20 ms', ms: 7 },
    {
      node: 'broker2',
      check: 'refused without a client certificate',
      ok: false,
      observed: 'accepted: <CONNACK> & more',
      hint: 'set REQUIRED',
    },
  ],
};

describe('verify output', () => {
  it('JUnit XML has a suite per node, a case per check, failures escaped', () => {
    const xml = verifyJunit(report);
    expect(xml).toContain('<testsuite name="broker1" tests="1" failures="0">');
    expect(xml).toContain('<testsuite name="broker2" tests="1" failures="1">');
    expect(xml).toContain('<failure message="accepted: &lt;CONNACK&gt; &amp; more">set REQUIRED</failure>');
    expect(xml).toContain('time="0.007"');
  });

  it('the table ends with the count and shows hints of failed checks', () => {
    const text = renderVerify(report);
    expect(text).toContain('→ broker2, refused without a client certificate: set REQUIRED');
    expect(text.trim().split('\n').at(-1)).toBe('✖ 1 of 2 checks failed');
  });

  it('becomes the fleet page: every check, the CA on the timeline', () => {
    const page = verifyPage(report, 'deploy-tls fleet report: prod.yaml', new Date('2026-11-27T00:00:00Z'));
    expect(page.checks).toEqual(report.results);
    expect(page.nodes).toBeUndefined();
    expect(page.ca?.intermediate).toEqual({
      subject: 'O=Example, CN=Intermediate',
      serial: 'AB',
      notAfter: new Date('2035-12-30T00:00:00.000Z'),
    });
  });
});
