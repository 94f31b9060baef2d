import { describe, expect, it } from 'vitest';
import { renderVerify, verifyJunit } from '../../../src/cli/render-verify.js';

const report = {
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
});
