import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storePasswords } from '../../../src/keystore/index.js';
import { renewalWindowMs } from '../../../src/pki/renewal.js';
import { desiredConfig } from '../../../src/plan/config.js';
import { buildPlan } from '../../../src/plan/plan.js';
import type { DeployedCertificate, NodeFacts, NodeIntent } from '../../../src/plan/types.js';
import { Secret } from '../../../src/secret.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const DAY = 86_400_000;
const CA = { trusted: ['aa', 'bb'], recorded: { broker1: '01AB' } };
const STOCK = readFileSync(new URL('../../fixtures/hivemq/stock-ce.before.xml', import.meta.url), 'utf8');
const PASSWORD = 'cleartext-store-password';

const intent: NodeIntent = {
  node: 'broker1',
  keystorePath: '/etc/ssl/hivemq/hivemq-keystore.jks',
  truststorePath: '/etc/ssl/hivemq/hivemq-truststore.jks',
  configPath: '/opt/hivemq/conf/config.xml',
  sans: ['DNS:broker1.example.com', 'IP:10.0.0.11'],
  keyType: 'rsa-2048',
  renewBefore: '30d',
  force: false,
  storeOwnership: { mode: 0o640, owner: 'root', group: 'hivemq' },
  config: {
    kind: 'tls',
    tls: {
      edition: 'community',
      listener: {
        name: 'secure-listener',
        port: 8883,
        bindAddress: '0.0.0.0',
        clientAuth: 'REQUIRED',
        protocols: ['TLSv1.3', 'TLSv1.2'],
      },
      passwords: storePasswords('jks', { keystore: new Secret(PASSWORD, 'test') }),
    },
  },
};
/** config.xml as a node that took the rollout has it. */
const DEPLOYED_XML = desiredConfig(STOCK, intent);

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
    configXml: DEPLOYED_XML,
    keystore: { exists: true, opens: true, certificate: deployed },
    truststore: { exists: true, opens: true, certificates: ['bb', 'aa'] },
    ...overrides,
  };
}

const planFor = (f: NodeFacts, i: NodeIntent = intent) =>
  buildPlan([{ intent: i, facts: f }], CA, NOW).plan.nodes[0];

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
      configXml: STOCK,
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

  it('stores with another owner, group or mode are said in the plan, and kept (a hand-made store is adopted)', () => {
    const wrongGroup = { mode: 0o640, owner: 'root', group: 'root' };
    const readable = { mode: 0o644, owner: 'root', group: 'hivemq' };
    const plan = planFor(
      facts({
        keystore: { exists: true, opens: true, certificate: deployed, ownership: wrongGroup },
        truststore: { exists: true, opens: true, certificates: ['bb', 'aa'], ownership: readable },
      }),
    );
    expect(plan?.warnings).toEqual([
      'the keystore is root:root 0640; the inventory asks root:hivemq 0640 (written so at its next change)',
      'the truststore is root:hivemq 0644; the inventory asks root:hivemq 0640 (written so at its next change)',
    ]);
    expect(plan).toMatchObject({ action: 'none', issueReasons: [], replaceTruststore: false });
    // A name from a hostile node cannot put an escape sequence on the operator's terminal.
    const hostile = { mode: 0o600, owner: 'ro\u001b[2Jot', group: 'hivemq' };
    expect(
      planFor(facts({ keystore: { exists: true, opens: true, certificate: deployed, ownership: hostile } }))
        ?.warnings,
    ).toEqual([
      'the keystore is ro?[2Jot:hivemq 0600; the inventory asks root:hivemq 0640 (written so at its next change)',
    ]);
    const right = { mode: 0o640, owner: 'root', group: 'hivemq' };
    expect(
      planFor(
        facts({
          keystore: { exists: true, opens: true, certificate: deployed, ownership: right },
          truststore: { exists: true, opens: true, certificates: ['bb', 'aa'], ownership: right },
        }),
      )?.warnings,
    ).toEqual([]);
  });

  it('reads renewal windows in days and as a share of the lifetime', () => {
    expect(renewalWindowMs('30d', deployed)).toBe(30 * DAY);
    expect(renewalWindowMs('50%', deployed)).toBe((365 * DAY * 50) / 100);
  });

  it('is data: it holds a redacted diff of config.xml and never a cleartext password', () => {
    const { plan } = buildPlan([{ intent, facts: facts({ configXml: STOCK }) }], CA, NOW);
    const node = plan.nodes[0];
    expect(
      node?.config.diff.some((line) => line.startsWith('+') && line.includes('<password>***</password>')),
    ).toBe(true);
    expect(JSON.stringify(plan)).not.toContain(PASSWORD);
    expect(JSON.parse(JSON.stringify(plan)).nodes[0].config.changed).toBe(true); // survives a round trip as data
  });

  it("a broken config.xml is that node's problem, named; the other nodes are planned", () => {
    const broken = {
      intent: { ...intent, node: 'broker2' },
      facts: facts({ node: 'broker2', configXml: '<hivemq><listeners>' }),
    };
    const { plan } = buildPlan([broken, { intent, facts: facts() }], CA, NOW);
    expect(plan.nodes.map((n) => n.node)).toEqual(['broker1']);
    expect(plan.problems).toHaveLength(1);
    expect(plan.problems[0]?.node).toBe('broker2');
    expect(plan.problems[0]?.error.node).toBe('broker2');
    expect(plan.problems[0]?.error.message).toMatch(/not well-formed XML/);
  });

  it('a rotation keeps config.xml and needs the listener it renews', () => {
    const rotation: NodeIntent = {
      ...intent,
      force: true,
      config: { kind: 'keep', listener: { name: 'secure-listener', port: 8883 } },
    };
    const plan = planFor(facts(), rotation);
    expect(plan).toMatchObject({
      action: 'hot-reload',
      config: { changed: false, diff: [] },
      servedBefore: { serial: '01AB', port: 8883 },
    });
    const { plan: none } = buildPlan([{ intent: rotation, facts: facts({ configXml: STOCK }) }], CA, NOW);
    expect(none.problems[0]?.error.message).toMatch(
      /has no <tls-tcp-listener> named secure-listener: nothing to rotate/,
    );
    expect(none.problems[0]?.error.exitCode).toBe(2);
  });

  describe('converges on what runs, not only on files', () => {
    it('finishes a change an earlier run installed and never confirmed: restart, with its marker', () => {
      const pending = {
        started: '2026-11-26T10:00:00.000Z',
        serial: '01AB',
        action: 'restart' as const,
        backup: '/etc/ssl/hivemq/backup/x',
      };
      const plan = planFor(facts({ pending, served: { kind: 'serial', serial: '01AB' } }));
      expect(plan).toMatchObject({ action: 'restart', pending, config: { changed: false } });
      expect(plan?.restartReason).toMatch(
        /^finish an interrupted change \(started 2026-11-26T10:00:00.000Z, serial 01AB\)/,
      );
    });

    it('a pending hot reload is finished by watching for the reload, not by a restart', () => {
      const pending = { started: '2026-11-26T10:00:00.000Z', serial: '01AB', action: 'hot-reload' as const };
      expect(planFor(facts({ pending }))).toMatchObject({ action: 'hot-reload', pending });
    });

    it('restarts a node whose listener serves another serial than its keystore holds', () => {
      const plan = planFor(facts({ served: { kind: 'serial', serial: '0FFF' } }));
      expect(plan?.action).toBe('restart');
      expect(plan?.restartReason).toBe('it serves 0FFF while its keystore holds 01AB');
    });

    it('restarts a node whose configured listener refuses connections (config.xml never loaded)', () => {
      expect(planFor(facts({ served: { kind: 'refused' } }))?.restartReason).toMatch(/refuses connections/);
    });

    it('does not guess from a look that said nothing (a timeout, a refused handshake)', () => {
      expect(planFor(facts({ served: { kind: 'unknown', reason: 'timeout' } }))?.action).toBe('none');
    });

    it('records a served certificate of ours that the ledger lacks, and changes nothing', () => {
      const served = { kind: 'serial', serial: '01AB' } as const;
      const unrecorded = buildPlan([{ intent, facts: facts({ served }) }], { ...CA, recorded: {} }, NOW).plan;
      expect(unrecorded.nodes[0]).toMatchObject({ action: 'none', recordServed: '01AB' });
      expect(planFor(facts({ served }))?.recordServed).toBeUndefined(); // already in the ledger
      const foreign = { ...deployed, issuedByCa: false };
      const notOurs = buildPlan(
        [{ intent, facts: facts({ served, keystore: { exists: true, opens: true, certificate: foreign } }) }],
        { ...CA, recorded: {} },
        NOW,
      ).plan.nodes[0];
      expect(notOurs?.recordServed).toBeUndefined();
      expect(notOurs?.issueReasons).toContain('issued by another CA');
    });
  });
});
