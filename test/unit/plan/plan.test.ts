import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EditionDecision } from '../../../src/hivemq/edition.js';
import { environmentFileText, systemdDropIn } from '../../../src/hivemq/environment.js';
import type { InstallFacts } from '../../../src/hivemq/install-probe.js';
import { storePasswords } from '../../../src/keystore/index.js';
import { renewalWindowMs } from '../../../src/pki/renewal.js';
import { desiredConfig } from '../../../src/plan/config.js';
import { buildPlan } from '../../../src/plan/plan.js';
import type {
  DeployedCertificate,
  NodeFacts,
  NodeIntent,
  ServedListener,
  TlsIntent,
  TruststoreFact,
} from '../../../src/plan/types.js';
import { Secret } from '../../../src/secret.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const DAY = 86_400_000;
const CA = { trusted: ['aa', 'bb'], recorded: { broker1: '01AB' } };
const STOCK = readFileSync(new URL('../../fixtures/hivemq/stock-ce.before.xml', import.meta.url), 'utf8');
const PASSWORD = 'cleartext-store-password';
/** A schema of the shape of CE's: anything under <hivemq> but a <cluster> (CE's has none). */
const XSD = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:complexType name="any"><xs:sequence>
    <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType>
  <xs:element name="hivemq"><xs:complexType><xs:all>
    <xs:element name="listeners" type="any" minOccurs="0"/>
    <xs:element name="anonymous-usage-statistics" type="any" minOccurs="0"/>
  </xs:all></xs:complexType></xs:element>
</xs:schema>`;
const INSTALL: InstallFacts = { home: '/opt/hivemq', configXsd: XSD, licenseFiles: 0 };
const COMMUNITY: EditionDecision = {
  edition: 'community',
  evidence: ['conf/config.xsd declares no <cluster>'],
};

const passwords = storePasswords('jks', { keystore: new Secret(PASSWORD, 'test') });
const tls: TlsIntent = {
  edition: COMMUNITY,
  listeners: [
    {
      type: 'tcp',
      name: 'secure-listener',
      port: 8883,
      bindAddress: '0.0.0.0',
      clientAuth: 'REQUIRED',
      protocols: ['TLSv1.3', 'TLSv1.2'],
    },
  ],
  passwords,
  cluster: { secure: false, reason: 'Community Edition has no cluster', bindPort: 7800 },
};
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
  config: { kind: 'tls', tls },
};
const withTls = (change: Partial<TlsIntent>): NodeIntent => ({
  ...intent,
  config: { kind: 'tls', tls: { ...tls, ...change } },
});
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

const anchors = (...fingerprints: string[]) =>
  fingerprints.map((fingerprint) => ({ fingerprint, subject: `CN=${fingerprint}`, der: new Uint8Array() }));
const truststore = (...fingerprints: string[]): TruststoreFact => ({
  exists: true,
  opens: true,
  certificates: fingerprints,
  anchors: anchors(...fingerprints),
  keyEntries: 0,
});

function facts(overrides: Partial<NodeFacts> = {}): NodeFacts {
  return {
    node: 'broker1',
    configXml: DEPLOYED_XML,
    install: INSTALL,
    stores: { keystore: intent.keystorePath, truststore: intent.truststorePath, source: 'config.xml' },
    keystore: { exists: true, opens: true, certificate: deployed },
    truststore: truststore('bb', 'aa'),
    ...overrides,
  };
}
const served = (serial: string, name = 'secure-listener', port = 8883): ServedListener[] => [
  { name, port, served: { kind: 'serial', serial } },
];

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
      truststore: { exists: false, opens: false, certificates: [], anchors: [], keyEntries: 0 },
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
    expect(planFor(facts({ truststore: truststore('aa') }))).toMatchObject({
      replaceTruststore: true,
      action: 'hot-reload',
    });
  });

  it('stores with another owner, group or mode are said in the plan, and kept (a hand-made store is adopted)', () => {
    const wrongGroup = { mode: 0o640, owner: 'root', group: 'root' };
    const readable = { mode: 0o644, owner: 'root', group: 'hivemq' };
    const plan = planFor(
      facts({
        keystore: { exists: true, opens: true, certificate: deployed, ownership: wrongGroup },
        truststore: { ...truststore('bb', 'aa'), ownership: readable },
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
          truststore: { ...truststore('bb', 'aa'), ownership: right },
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
      config: { kind: 'keep', listeners: [{ type: 'tcp', name: 'secure-listener', port: 8883 }] },
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
      const plan = planFor(facts({ pending, served: served('01AB') }));
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
      const plan = planFor(facts({ served: served('0FFF') }));
      expect(plan?.action).toBe('restart');
      expect(plan?.restartReason).toBe('secure-listener serves 0FFF while the keystore holds 01AB');
    });

    it('restarts a node whose configured listener refuses connections (config.xml never loaded)', () => {
      const refused: ServedListener[] = [
        { name: 'secure-listener', port: 8883, served: { kind: 'refused' } },
      ];
      expect(planFor(facts({ served: refused }))?.restartReason).toMatch(
        /the TLS listener secure-listener in config.xml refuses connections/,
      );
    });

    it('does not guess from a look that said nothing (a timeout, a refused handshake)', () => {
      const unknown: ServedListener[] = [
        { name: 'secure-listener', port: 8883, served: { kind: 'unknown', reason: 'timeout' } },
      ];
      expect(planFor(facts({ served: unknown }))?.action).toBe('none');
    });

    it('records a served certificate of ours that the ledger lacks, and changes nothing', () => {
      const serving = served('01AB');
      const unrecorded = buildPlan(
        [{ intent, facts: facts({ served: serving }) }],
        { ...CA, recorded: {} },
        NOW,
      ).plan;
      expect(unrecorded.nodes[0]).toMatchObject({ action: 'none', recordServed: '01AB' });
      expect(planFor(facts({ served: serving }))?.recordServed).toBeUndefined(); // already in the ledger
      const foreign = { ...deployed, issuedByCa: false };
      const notOurs = buildPlan(
        [
          {
            intent,
            facts: facts({ served: serving, keystore: { exists: true, opens: true, certificate: foreign } }),
          },
        ],
        { ...CA, recorded: {} },
        NOW,
      ).plan.nodes[0];
      expect(notOurs?.recordServed).toBeUndefined();
      expect(notOurs?.issueReasons).toContain('issued by another CA');
    });
  });

  describe('HiveMQ coverage: listeners, schema, environment, adoption', () => {
    const websocket = {
      type: 'websocket' as const,
      name: 'secure-websocket-listener',
      port: 8443,
      bindAddress: '0.0.0.0',
      path: '/mqtt',
      clientAuth: 'REQUIRED' as const,
      protocols: ['TLSv1.3'],
    };
    const [tcp] = tls.listeners;

    it('writes every inventory listener, each with the shared keystore and truststore', () => {
      const both = withTls({ listeners: [...tls.listeners, websocket] });
      const plan = planFor(facts(), both);
      expect(plan?.action).toBe('restart');
      const added = plan?.config.diff.filter((line) => line.startsWith('+')).join('\n');
      expect(added).toContain('<tls-websocket-listener>');
      expect(added).toContain('<path>/mqtt</path>');
      expect(added).toContain('<path>/etc/ssl/hivemq/hivemq-keystore.jks</path>');
      // …and the tcp listener the node has already stays as it is.
      expect(added).not.toContain('<tls-tcp-listener>');
    });

    it('restarts a node whose websocket listener in config.xml refuses connections', () => {
      const both = withTls({ listeners: [...tls.listeners, websocket] });
      const deployedBoth = desiredConfig(STOCK, both);
      const serving: ServedListener[] = [
        ...served('01AB'),
        { name: 'secure-websocket-listener', port: 8443, served: { kind: 'refused' } },
      ];
      expect(planFor(facts({ configXml: deployedBoth, served: serving }), both)?.restartReason).toMatch(
        /secure-websocket-listener in config.xml refuses connections/,
      );
    });

    it('a rotation needs every listener it renews in config.xml, and names the missing one', () => {
      const rotation: NodeIntent = {
        ...intent,
        config: {
          kind: 'keep',
          listeners: [
            { type: 'tcp', name: 'secure-listener', port: 8883 },
            { type: 'websocket', name: 'secure-websocket-listener', port: 8443, path: '/mqtt' },
          ],
        },
      };
      const { plan } = buildPlan([{ intent: rotation, facts: facts() }], CA, NOW);
      expect(plan.problems[0]?.error.message).toBe(
        'has no <tls-websocket-listener> named secure-websocket-listener: nothing to rotate',
      );
    });

    describe("the node's own config.xsd judges every config.xml the plan would write", () => {
      it('refuses a config the schema does not allow, naming the element: nothing to write', () => {
        const enterprise = withTls({
          edition: { edition: 'enterprise', evidence: ['hivemq.edition: enterprise in the inventory'] },
          cluster: { secure: true, reason: 'cluster.tls: true', bindPort: 7800 },
        });
        const { plan } = buildPlan([{ intent: enterprise, facts: facts({ configXml: STOCK }) }], CA, NOW);
        expect(plan.nodes).toEqual([]);
        expect(plan.problems[0]?.error).toMatchObject({ node: 'broker1', exitCode: 2 });
        expect(plan.problems[0]?.error.message).toMatch(
          /^\/opt\/hivemq\/conf\/config.xml as deploy-tls would write it does not validate against the node's config.xsd: \/hivemq\/cluster \(line \d+\): Element 'cluster': This element is not expected/,
        );
      });

      it('writes nothing without a schema to check it against, and says where it is missing', () => {
        const noSchema = facts({ configXml: STOCK, install: { home: '/opt/hivemq', licenseFiles: 0 } });
        const { plan } = buildPlan([{ intent, facts: noSchema }], CA, NOW);
        expect(plan.problems[0]?.error.message).toBe(
          "/opt/hivemq/conf/config.xsd is missing, and deploy-tls writes no config.xml that the node's own schema has not checked",
        );
        // A node whose config.xml stays as it is needs no schema.
        expect(planFor(facts({ install: { home: '/opt/hivemq', licenseFiles: 0 } }))?.action).toBe('none');
      });
    });

    it('never writes one file as both keystore and truststore (the article uses the keystore as cluster truststore)', () => {
      const shared = { ...intent, truststorePath: intent.keystorePath };
      expect(
        buildPlan([{ intent: shared, facts: facts() }], CA, NOW).plan.problems[0]?.error.message,
      ).toMatch(/config.xml uses \/etc\/ssl\/hivemq\/hivemq-keystore.jks as keystore and as truststore/);
      const sameName = { ...intent, truststorePath: '/etc/ssl/other/hivemq-keystore.jks' };
      expect(
        buildPlan([{ intent: sameName, facts: facts() }], CA, NOW).plan.problems[0]?.error.message,
      ).toMatch(/share the name "hivemq-keystore.jks", and a backup keeps each file by its name/);
    });

    describe('passwords in the environment', () => {
      const ENV_FILE = '/etc/ssl/hivemq/hivemq-tls.env';
      const environment = withTls({ environment: { file: ENV_FILE } });
      const placeholders = desiredConfig(STOCK, environment);
      const envFacts = (overrides: Partial<NodeFacts> = {}) =>
        facts({
          configXml: placeholders,
          environment: {
            file: environmentFileText(passwords),
            fileOwnership: { mode: 0o100600, owner: 'root', group: 'root' },
          },
          ...overrides,
        });

      it('config.xml gets placeholders, the file the passwords, in one restart', () => {
        const plan = planFor(facts({ configXml: STOCK }), environment);
        expect(plan?.environment).toEqual({ path: ENV_FILE, changed: true, reason: `no ${ENV_FILE} yet` });
        expect(plan?.action).toBe('restart');
        expect(placeholders).toContain('<password>$' + '{ENV:HIVEMQ_TLS_KEYSTORE_PASSWORD}</password>');
        expect(placeholders).not.toContain(PASSWORD);
      });

      it('a second run changes nothing', () => {
        expect(planFor(envFacts(), environment)).toMatchObject({
          action: 'none',
          environment: { changed: false },
        });
      });

      it('a changed password restarts although config.xml stays the same: HiveMQ reads the ENV values only at start', () => {
        const other = storePasswords('jks', { keystore: new Secret('a new password', 'test') });
        const changed = withTls({ environment: { file: ENV_FILE }, passwords: other });
        const plan = planFor(
          envFacts({ keystore: { exists: true, opens: false, problem: 'wrong password' } }),
          changed,
        );
        expect(plan?.config.changed).toBe(false);
        expect(plan?.replaceKeystore).toBe(true);
        expect(plan).toMatchObject({ action: 'restart', environment: { changed: true } });
        expect(plan?.restartReason).toBe(
          `${ENV_FILE} holds other passwords: HiveMQ reads the \${ENV:…} passwords only when it starts`,
        );
      });

      it('rewrites a file others may read', () => {
        const open = envFacts({
          environment: {
            file: environmentFileText(passwords),
            fileOwnership: { mode: 0o100644, owner: 'root', group: 'root' },
          },
        });
        expect(planFor(open, environment)?.environment?.reason).toBe(
          `${ENV_FILE} is root's, mode 644: it must be root's, 0600`,
        );
      });

      it('a systemd unit gets the drop-in, and a restart after daemon-reload when it is new', () => {
        const DROP_IN = '/etc/systemd/system/hivemq.service.d/deploy-tls-environment.conf';
        const systemd = withTls({
          environment: { file: ENV_FILE, systemd: { unit: 'hivemq', dropIn: DROP_IN } },
        });
        const plan = planFor(envFacts(), systemd);
        expect(plan?.environment?.dropIn).toEqual({ path: DROP_IN, unit: 'hivemq', changed: true });
        expect(plan?.action).toBe('restart');
        expect(plan?.restartReason).toMatch(/^the hivemq unit must load .*daemon-reload, then restart/);
        const loaded = envFacts({
          environment: {
            file: environmentFileText(passwords),
            fileOwnership: { mode: 0o100600, owner: 'root', group: 'root' },
            dropIn: systemdDropIn(ENV_FILE),
          },
        });
        expect(planFor(loaded, systemd)?.action).toBe('none');
      });
    });

    describe('a fleet set up by hand with the article, with this CA', () => {
      // keytool on Java 17 wrote PKCS#12 into hivemq-keystore.jks; config.xml points at the article's paths.
      const article: NodeIntent = {
        ...withTls({ listeners: [{ ...(tcp as (typeof tls.listeners)[0]), protocols: [] }] }),
        keystorePath: '/etc/ssl/hivemq/root/keystores/hivemq-keystore.jks',
        truststorePath: '/etc/ssl/hivemq/root/keystores/mqtt-client-truststore.jks',
      };
      const handMade = (overrides: Partial<NodeFacts> = {}) =>
        facts({
          configXml: desiredConfig(STOCK, article),
          keystore: { exists: true, opens: true, format: 'pkcs12', certificate: deployed },
          served: served('01AB'),
          ...overrides,
        });

      it('adopts the deployed certificate: recorded in the ledger, not re-issued, no restart', () => {
        const plan = buildPlan([{ intent: article, facts: handMade() }], { ...CA, recorded: {} }, NOW).plan
          .nodes[0];
        expect(plan).toMatchObject({ action: 'none', issueReasons: [], recordServed: '01AB' });
      });

      it("replaces (by hot reload) a truststore that also trusts the client's own certificate", () => {
        const clientTruststore: TruststoreFact = {
          ...truststore('aa', 'bb', 'cc'),
          anchors: [
            ...anchors('aa', 'bb'),
            { fingerprint: 'cc', subject: 'O=HiveMQ, CN=mqtt-client', der: new Uint8Array() },
          ],
          keyEntries: 1,
        };
        const plan = planFor(handMade({ truststore: clientTruststore }), article);
        expect(plan).toMatchObject({ action: 'hot-reload', issueReasons: [], replaceKeystore: false });
        expect(plan?.truststoreReason).toBe(
          'it also trusts mqtt-client (a broker truststore holds exactly the issuing intermediate)',
        );
      });
    });
  });
});
