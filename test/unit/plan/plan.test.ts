import { describe, expect, it } from 'vitest';
import { buildPlan, renewWindowMs } from '../../../src/plan/plan.js';
import type { DeployedCertificate, NodeFacts, NodeIntent } from '../../../src/plan/types.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const DAY = 86_400_000;
const CA = { chain: ['aa', 'bb'] };

const intent: NodeIntent = {
  node: 'broker1',
  keystorePath: '/etc/ssl/hivemq/hivemq-keystore.jks',
  truststorePath: '/etc/ssl/hivemq/hivemq-truststore.jks',
  configPath: '/opt/hivemq/conf/config.xml',
  sans: ['DNS:broker1.example.com', 'IP:10.0.0.11'],
  keyType: 'rsa-2048',
  renewBefore: '30d',
  desiredConfig: (current) => current.replace('<listeners/>', '<listeners><tls-tcp-listener/></listeners>'),
};

const deployed: DeployedCertificate = {
  serial: '01AB',
  sans: ['IP:10.0.0.11', 'DNS:broker1.example.com'],
  notBefore: new Date(NOW.getTime() - 10 * DAY),
  notAfter: new Date(NOW.getTime() + 355 * DAY),
  keyType: 'rsa-2048',
  issuedByCa: true,
};

function facts(overrides: Partial<NodeFacts> = {}): NodeFacts {
  return {
    node: 'broker1',
    configXml: '<hivemq><listeners><tls-tcp-listener/></listeners></hivemq>',
    keystore: { exists: true, opens: true, certificate: deployed },
    truststore: { exists: true, opens: true, certificates: ['bb', 'aa'] },
    ...overrides,
  };
}

const planFor = (f: NodeFacts, i: NodeIntent = intent) => buildPlan([i], CA, [f], NOW).nodes[0];

describe('buildPlan', () => {
  it('plans nothing for a node that already serves what the inventory asks', () => {
    expect(planFor(facts())).toMatchObject({
      action: 'none',
      issueReasons: [],
      replaceKeystore: false,
      replaceTruststore: false,
    });
  });

  it('a plain node gets a certificate, both stores, a config change and a restart', () => {
    const plain = facts({
      configXml: '<hivemq><listeners/></hivemq>',
      keystore: { exists: false, opens: false },
      truststore: { exists: false, opens: false, certificates: [] },
    });
    const plan = planFor(plain);
    expect(plan?.issueReasons).toEqual(['no keystore at /etc/ssl/hivemq/hivemq-keystore.jks']);
    expect(plan).toMatchObject({
      action: 'restart',
      replaceKeystore: true,
      replaceTruststore: true,
      truststoreReason: 'no truststore yet',
    });
    expect(plan?.config.changed).toBe(true);
  });

  it('a certificate inside the renewal window is re-issued and hot-reloaded, no restart', () => {
    const expiring = { ...deployed, notAfter: new Date(NOW.getTime() + 20 * DAY) };
    const plan = planFor(facts({ keystore: { exists: true, opens: true, certificate: expiring } }));
    expect(plan?.issueReasons).toEqual(['expires in 20 days (renew 30d before)']);
    expect(plan?.action).toBe('hot-reload');
  });

  it.each([
    [
      { sans: ['DNS:broker1.example.com'] },
      'SANs differ: has DNS:broker1.example.com; wants DNS:broker1.example.com, IP:10.0.0.11',
    ],
    [{ keyType: 'ecdsa-p256' as const }, 'key type ecdsa-p256 → rsa-2048'],
    [{ issuedByCa: false }, 'issued by another CA'],
    [{ notAfter: new Date(NOW.getTime() - DAY) }, 'expired on 2026-11-26'],
  ])('re-issues when the deployed certificate differs: %j', (change, reason) => {
    expect(
      planFor(facts({ keystore: { exists: true, opens: true, certificate: { ...deployed, ...change } } }))
        ?.issueReasons,
    ).toContain(reason);
  });

  it('a keystore that does not open with the inventory password is replaced, saying so', () => {
    const plan = planFor(
      facts({ keystore: { exists: true, opens: false, problem: 'wrong store password' } }),
    );
    expect(plan?.issueReasons[0]).toMatch(
      /does not open with the inventory's passwords \(wrong store password\)/,
    );
  });

  it('a truststore missing part of the chain is replaced', () => {
    expect(planFor(facts({ truststore: { exists: true, opens: true, certificates: ['aa'] } }))).toMatchObject(
      {
        replaceTruststore: true,
        action: 'hot-reload',
      },
    );
  });

  it('reads renewal windows in days and as a share of the lifetime', () => {
    expect(renewWindowMs('30d', deployed)).toBe(30 * DAY);
    expect(renewWindowMs('50%', deployed)).toBe((365 * DAY * 50) / 100);
  });
});
