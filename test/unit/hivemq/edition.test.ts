// The edition probe's parser on recorded output (the probe command run by sh on installation
// layouts: a CE-like one, an Enterprise-like one with a license, an empty home; the jars were
// written by the JDK's `jar` tool), and the pure decisions made from it.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { clusterEnabled } from '../../../src/hivemq/config.js';
import {
  decideClusterTls,
  decideEdition,
  type EditionDecision,
  parseManifest,
  readJarManifest,
  schemaDeclaresCluster,
} from '../../../src/hivemq/edition.js';
import { type InstallFacts, installProbe, parseInstallProbe } from '../../../src/hivemq/install-probe.js';
import { fixture } from './cases.js';

const recorded = (name: string): InstallFacts =>
  parseInstallProbe(fixture(`install-probe.${name}.txt`), `/tmp/rec/${name}`);

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('installProbe', () => {
  it('quotes the home with shellQuote, so a hostile hivemq.home is data, not a command', () => {
    const { command } = installProbe("/opt/hive mq'; rm -rf / #");
    expect(command).toContain("'/opt/hive mq'\\''; rm -rf / #/conf/config.xsd'");
    expect(command).not.toContain('$(rm');
  });

  it('parses the recorded output of a CE-like, an Enterprise-like and an empty installation', () => {
    const ce = recorded('ce');
    expect(ce.configXsd).toContain('<xs:schema');
    expect(ce.jarHead?.length).toBe(500);
    expect(ce.licenseFiles).toBe(0);
    expect(recorded('ee').licenseFiles).toBe(1);
    expect(recorded('empty')).toEqual({ home: '/tmp/rec/empty', licenseFiles: 0 });
  });

  it('refuses output that is not the probe’s', () => {
    expect(() => parseInstallProbe('bash: base64: command not found\n', '/opt/hivemq')).toThrow(
      /no "xsd" section/,
    );
  });
});

describe('readJarManifest', () => {
  it("reads the manifest of a jar the JDK's jar tool wrote (deflated entries with data descriptors)", () => {
    expect(readJarManifest(recorded('ce').jarHead ?? new Uint8Array())).toMatchObject({
      'Implementation-Title': 'HiveMQ',
      'HiveMQ-Version': '2025.5',
    });
  });

  it('returns undefined for bytes that are not a zip, or a manifest beyond the head', () => {
    expect(readJarManifest(Buffer.from('not a jar at all, just text'))).toBeUndefined();
    const head = recorded('ce').jarHead ?? new Uint8Array();
    expect(readJarManifest(head.subarray(0, 60))).toBeUndefined();
  });

  it('does not inflate a hostile manifest without bound', () => {
    const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x41));
    const name = Buffer.from('META-INF/MANIFEST.MF');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(bomb.length, 18);
    header.writeUInt16LE(name.length, 26);
    expect(readJarManifest(Buffer.concat([header, name, bomb]))).toBeUndefined();
  });

  it('joins continuation lines and stops at the main section’s end', () => {
    expect(parseManifest('A: 1\r\nLong: ab\r\n cd\r\n\r\nName: x\r\nB: 2\r\n')).toEqual({
      A: '1',
      Long: 'abcd',
    });
  });
});

describe('decideEdition', () => {
  it('auto: CE by its schema, with the version from the jar', () => {
    expect(decideEdition(recorded('ce'), 'auto', 'broker1')).toEqual({
      edition: 'community',
      version: '2025.5',
      evidence: [
        "conf/config.xsd declares no <cluster> element (Community Edition's schema)",
        'bin/hivemq.jar is version 2025.5 (Community Edition numbers releases by year)',
      ],
    });
  });

  it('auto: Enterprise by its schema and license', () => {
    const decision = decideEdition(recorded('ee'), 'auto', 'broker1');
    expect(decision.edition).toBe('enterprise');
    expect(decision.version).toBe('4.40.2');
    expect(decision.evidence).toContain('license/ holds 1 .lic file (Community Edition has no license)');
  });

  it('auto: the version scheme alone decides when nothing stronger is there', () => {
    const { configXsd: _, ...jarOnly } = recorded('ce');
    expect(decideEdition(jarOnly, 'auto', 'broker1').edition).toBe('community');
  });

  it('auto: no evidence at all is an error naming the home, with the next step', () => {
    const error = refusal(() => decideEdition(recorded('empty'), 'auto', 'broker1'));
    expect(error.node).toBe('broker1');
    expect(error.message).toMatch(/cannot tell which HiveMQ edition is installed in \/tmp\/rec\/empty/);
    expect(error.hint).toMatch(/set hivemq.edition/);
  });

  it('an explicit value the node contradicts is an error naming the evidence', () => {
    const error = refusal(() => decideEdition(recorded('ce'), 'enterprise', 'broker1'));
    expect(error.message).toBe(
      "hivemq.edition is enterprise, but the node has Community Edition: conf/config.xsd declares no <cluster> element (Community Edition's schema)",
    );
    expect(error.hint).toBe('set hivemq.edition: auto (or community) for this node');
  });

  it('an explicit value wins over weak evidence and over none', () => {
    const { configXsd: _, ...jarOnly } = recorded('ce');
    expect(decideEdition(jarOnly, 'enterprise', 'b').evidence).toEqual([
      'hivemq.edition: enterprise in the inventory',
      "bin/hivemq.jar is version 2025.5 (Community Edition numbers releases by year), a weak sign the inventory's value overrides",
    ]);
    expect(decideEdition(recorded('empty'), 'community', 'b').edition).toBe('community');
  });

  it('strong evidence for both editions is an error, whatever the inventory says', () => {
    const mixed = { ...recorded('ce'), licenseFiles: 2 };
    for (const setting of ['auto', 'community'] as const)
      expect(refusal(() => decideEdition(mixed, setting, 'b')).message).toMatch(/looks like both editions/);
  });
});

describe('schemaDeclaresCluster', () => {
  it('finds an element named cluster with any prefix, not in comments or other names', () => {
    expect(schemaDeclaresCluster('<xsd:element name="cluster" type="x"/>')).toBe(true);
    expect(schemaDeclaresCluster("<element\n name = 'cluster'/>")).toBe(true);
    expect(schemaDeclaresCluster('<!-- <xs:element name="cluster"/> -->')).toBe(false);
    expect(schemaDeclaresCluster('<xs:element name="cluster-id"/><xs:complexType name="cluster"/>')).toBe(
      false,
    );
  });
});

describe('clusterEnabled and decideClusterTls', () => {
  const enterprise: EditionDecision = { edition: 'enterprise', evidence: ['e'] };
  const community: EditionDecision = {
    edition: 'community',
    evidence: ['conf/config.xsd declares no <cluster>'],
  };

  it('reads <cluster><enabled> as HiveMQ does: off unless true', () => {
    expect(clusterEnabled(fixture('enterprise-cluster.before.xml'))).toBe(true);
    expect(clusterEnabled('<hivemq><cluster><enabled> 1 </enabled></cluster></hivemq>')).toBe(true);
    expect(clusterEnabled('<hivemq><cluster><transport/></cluster></hivemq>')).toBe(false);
    expect(clusterEnabled('<hivemq><cluster><enabled>false</enabled></cluster></hivemq>')).toBe(false);
    expect(clusterEnabled(fixture('stock-ce.before.xml'))).toBe(false);
  });

  it('auto secures the cluster of an Enterprise node that has one, and only that', () => {
    expect(decideClusterTls(enterprise, 'auto', true, 'b').secure).toBe(true);
    expect(decideClusterTls(enterprise, 'auto', false, 'b')).toEqual({
      secure: false,
      reason: 'config.xml does not enable clustering; cluster.tls: true would secure it anyway',
    });
    expect(decideClusterTls(community, 'auto', true, 'b').secure).toBe(false);
  });

  it('true asks explicitly: done on Enterprise, an error naming the evidence on CE; false never', () => {
    expect(decideClusterTls(enterprise, true, false, 'b').secure).toBe(true);
    expect(refusal(() => decideClusterTls(community, true, false, 'b')).message).toMatch(
      /Community Edition, which has no cluster: conf\/config.xsd declares no <cluster>/,
    );
    expect(decideClusterTls(enterprise, false, true, 'b').secure).toBe(false);
  });
});
