// The lower floors of a rollout's first steps against a sandbox node over real ssh: the install
// probe reads CE's own schema and jar (laid out as HiveMQ's zip does), the edition is decided with
// its evidence, a node left on defaults gets no <cluster>, and a config the node's own config.xsd
// refuses is caught on the control host, before anything is written.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOUNT_POINTS } from '../../../scripts/sandbox/layout.js';
import { applyTlsConfig, clusterEnabled } from '../../../src/hivemq/config.js';
import { decideClusterTls, decideEdition } from '../../../src/hivemq/edition.js';
import { type InstallFacts, installProbe } from '../../../src/hivemq/install-probe.js';
import { assertValidConfig, validateConfig } from '../../../src/hivemq/validate.js';
import { BUILTIN_DEFAULTS } from '../../../src/inventory/defaults.js';
import type { Remote } from '../../../src/remote/remote.js';
import { connectNode } from '../support/remote.js';
import { resetToPlain } from '../support/reset.js';
import { node } from './sandbox-fleet.js';

const broker = node(1);
let remote: Remote;
let facts: InstallFacts;
let config: string;

beforeAll(async () => {
  await resetToPlain([broker]);
  remote = await connectNode(broker);
  const probe = installProbe(MOUNT_POINTS.home);
  facts = probe.parse(await remote.run(probe.command));
  config = readFileSync(path.join(broker.homeDir, 'conf', 'config.xml'), 'utf8');
}, 180_000);

afterAll(async () => {
  await remote?.close();
});

const spec = {
  name: 'secure-listener',
  port: 8883,
  bindAddress: broker.address,
  keystore: { path: '/etc/ssl/hivemq/hivemq-keystore.jks', password: 'p', privateKeyPassword: 'p' },
  truststore: { path: '/etc/ssl/hivemq/hivemq-truststore.jks', password: 'p' },
  clientAuthenticationMode: 'REQUIRED' as const,
};

describe('edition and version from the node', () => {
  it('reads HiveMQ CE 2025.5 from the schema and jar in /opt/hivemq, one ssh round trip', () => {
    const decision = decideEdition(facts, BUILTIN_DEFAULTS.hivemq.edition, broker.name);
    expect(decision).toMatchObject({ edition: 'community', version: '2025.5' });
    expect(decision.evidence[0]).toBe(
      "conf/config.xsd declares no <cluster> element (Community Edition's schema)",
    );
  });

  it('a node left on the defaults is Community Edition and gets no <cluster>', () => {
    const edition = decideEdition(facts, 'auto', broker.name);
    const cluster = decideClusterTls(
      edition,
      BUILTIN_DEFAULTS.cluster.tls,
      clusterEnabled(config),
      broker.name,
    );
    expect(cluster.secure).toBe(false);
    const desired = applyTlsConfig(config, { edition: edition.edition, listener: spec });
    expect(desired).not.toContain('<cluster>');
    expect(validateConfig(desired, facts.configXsd ?? '')).toEqual([]);
  });

  it('an inventory that calls the node enterprise is refused, naming the evidence', () => {
    expect(() => decideEdition(facts, 'enterprise', broker.name)).toThrow(
      /hivemq.edition is enterprise, but the node has Community Edition: conf\/config.xsd declares no <cluster>/,
    );
  });

  it("a config the node's own schema refuses is caught before any write, naming the element", () => {
    const bad = applyTlsConfig(config, {
      edition: 'enterprise',
      listener: spec,
      cluster: { bindPort: 7800, keystore: spec.keystore, truststore: spec.truststore },
    });
    expect(() =>
      assertValidConfig(bad, facts.configXsd ?? '', broker.name, '/opt/hivemq/conf/config.xml'),
    ).toThrow(/\/hivemq\/cluster \(line \d+\): Element 'cluster': This element is not expected/);
    expect(readFileSync(path.join(broker.homeDir, 'conf', 'config.xml'), 'utf8')).toBe(config);
  });
});
