// From inventory node and facts to what the plan must make true: the edition the node's own
// installation has, cluster TLS only where it can and should be, every listener, the stores
// config.xml already uses, and in environment mode the file and (for a systemd unit) the drop-in.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import type { InstallFacts } from '../../../src/hivemq/install-probe.js';
import { parseInventory } from '../../../src/inventory/load.js';
import type { NodeFacts } from '../../../src/plan/types.js';
import { intentFor, nodePaths, selectTargets, type Target } from '../../../src/rollout/targets.js';
import { Secret } from '../../../src/secret.js';

const CE_XSD =
  '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="hivemq"/></xs:schema>';
const EE_XSD =
  '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="hivemq"/><xs:element name="cluster"/></xs:schema>';
const install = (configXsd: string): InstallFacts => ({ home: '/opt/hivemq', configXsd, licenseFiles: 0 });
const CLUSTERED = '<hivemq><cluster><enabled>true</enabled></cluster></hivemq>';

async function targetFor(node: string, defaults = ''): Promise<Target> {
  const inventory = parseInventory(
    `ca: { dir: ./pki, password: { env: CA }, subject: { O: Example } }
defaults:
  tls: { keystore: { password: { env: KS } } }
${defaults}
nodes:
  - name: broker1
    host: broker1.example.com
${node}`,
    'prod.yaml',
    {},
  );
  const [target] = await selectTargets(inventory, undefined, async () => new Secret('s', 'test'), false);
  if (!target) throw new Error('no target');
  return target;
}

function factsFor(target: Target, overrides: Partial<NodeFacts> = {}): NodeFacts {
  return {
    node: 'broker1',
    configXml: '<hivemq><listeners/></hivemq>',
    install: install(CE_XSD),
    stores: { keystore: target.paths.keystore, truststore: target.paths.truststore, source: 'inventory' },
    keystore: { exists: false, opens: false },
    truststore: { exists: false, opens: false, certificates: [], anchors: [], keyEntries: 0 },
    ...overrides,
  };
}

describe('intentFor', () => {
  it('a node left on the defaults is what its schema says, Community Edition, and gets no cluster TLS', async () => {
    const target = await targetFor('');
    const intent = intentFor(target, factsFor(target), undefined);
    if (intent.config.kind !== 'tls') throw new Error('expected a tls intent');
    expect(intent.config.tls.edition.edition).toBe('community');
    expect(intent.config.tls.edition.evidence[0]).toMatch(/declares no <cluster> element/);
    expect(intent.config.tls.cluster).toEqual({
      secure: false,
      reason: 'Community Edition has no cluster',
      bindPort: 7800,
    });
  });

  it('an inventory the node contradicts is an error naming the node and the evidence', async () => {
    const enterprise = await targetFor('    hivemq: { edition: enterprise }');
    expect(() => intentFor(enterprise, factsFor(enterprise), undefined)).toThrow(
      /hivemq.edition is enterprise, but the node has Community Edition: conf\/config.xsd declares no <cluster>/,
    );
    const clusterTls = await targetFor('    cluster: { tls: true }');
    let error: unknown;
    try {
      intentFor(clusterTls, factsFor(clusterTls), undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ node: 'broker1', hint: 'set cluster.tls: auto (or false) for this node' });
  });

  it('secures the cluster transport of an Enterprise node whose config.xml enables clustering', async () => {
    const target = await targetFor('');
    const enterprise = factsFor(target, { install: install(EE_XSD), configXml: CLUSTERED });
    const intent = intentFor(target, enterprise, undefined);
    expect(intent.config.kind === 'tls' && intent.config.tls.cluster.secure).toBe(true);
    const notClustered = intentFor(target, factsFor(target, { install: install(EE_XSD) }), undefined);
    expect(notClustered.config.kind === 'tls' && notClustered.config.tls.cluster.secure).toBe(false);
  });

  it('takes every listener, and the stores config.xml already uses', async () => {
    const target = await targetFor(`    tls:
      listeners:
        - { type: tcp, port: 8883 }
        - { type: websocket, port: 8443, path: /mqtt/secure }`);
    const stores = {
      keystore: '/etc/ssl/hivemq/root/keystores/hivemq-keystore.jks',
      truststore: '/etc/ssl/hivemq/root/keystores/mqtt-client-truststore.jks',
      source: 'config.xml' as const,
    };
    const intent = intentFor(target, factsFor(target, { stores }), undefined);
    expect(intent.keystorePath).toBe(stores.keystore);
    expect(intent.truststorePath).toBe(stores.truststore);
    if (intent.config.kind !== 'tls') throw new Error('expected a tls intent');
    expect(intent.config.tls.listeners.map((l) => [l.type, l.name, l.port, l.path])).toEqual([
      ['tcp', 'secure-listener', 8883, undefined],
      ['websocket', 'secure-websocket-listener', 8443, '/mqtt/secure'],
    ]);
    const rotation = intentFor(target, factsFor(target, { stores }), { force: false });
    expect(rotation.config).toEqual({
      kind: 'keep',
      listeners: [
        { type: 'tcp', name: 'secure-listener', port: 8883 },
        { type: 'websocket', name: 'secure-websocket-listener', port: 8443, path: '/mqtt/secure' },
      ],
    });
  });

  it('environment mode: the file, and the drop-in only where the restart command is a systemd unit', async () => {
    const systemd = await targetFor('    tls: { passwordsIn: environment }');
    expect(nodePaths(systemd.node)).toMatchObject({
      environmentFile: '/etc/ssl/hivemq/hivemq-tls.env',
      dropIn: '/etc/systemd/system/hivemq.service.d/deploy-tls-environment.conf',
    });
    const intent = intentFor(systemd, factsFor(systemd), undefined);
    expect(intent.config.kind === 'tls' && intent.config.tls.environment).toEqual({
      file: '/etc/ssl/hivemq/hivemq-tls.env',
      systemd: { unit: 'hivemq', dropIn: '/etc/systemd/system/hivemq.service.d/deploy-tls-environment.conf' },
    });
    const script =
      await targetFor(`    tls: { passwordsIn: environment, environmentFile: /etc/hivemq/tls.env }
    hivemq: { restart: /opt/hivemq/bin/hivemq-service restart }`);
    expect(nodePaths(script.node).dropIn).toBeUndefined();
    const scripted = intentFor(script, factsFor(script), undefined);
    expect(scripted.config.kind === 'tls' && scripted.config.tls.environment).toEqual({
      file: '/etc/hivemq/tls.env',
    });
    const inConfig = await targetFor('');
    expect(nodePaths(inConfig.node).environmentFile).toBeUndefined();
  });
});
