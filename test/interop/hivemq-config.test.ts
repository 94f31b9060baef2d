// Every CE config.xml applyTlsConfig writes must validate against HiveMQ CE's own config.xsd, checked
// by xmllint (libxml2), a validator nobody here wrote. CE on a config it rejects logs "Using default
// config" and serves plain 1883 only, so an invalid file is an outage the broker does not report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTlsConfig, type HiveMqTlsConfig } from '../../src/hivemq/config.js';
import { hivemqConfigXsd, requireXmllint, validateAgainstXsd } from '../helpers/hivemq-xsd.js';
import { fixture, GOLDEN_CASES, listenerSpec } from '../unit/hivemq/cases.js';

let xsd: string;
let dir: string;
let count = 0;

beforeAll(() => {
  requireXmllint();
  xsd = hivemqConfigXsd();
  dir = mkdtempSync(join(tmpdir(), 'deploy-tls-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(xml: string): string {
  const file = join(dir, `config-${count++}.xml`);
  writeFileSync(file, xml);
  return file;
}

function expectValid(xml: string): void {
  const result = validateAgainstXsd(xsd, write(xml));
  expect(result.valid, result.output).toBe(true);
}

const community = (overrides = {}): HiveMqTlsConfig => ({
  edition: 'community',
  listener: listenerSpec(overrides),
});
const STOCK = fixture('stock-ce.before.xml');

describe("HiveMQ CE's config.xsd", () => {
  it("accepts HiveMQ's own config.xml and rejects what it must reject (the check has teeth)", () => {
    expectValid(STOCK);
    const enterprise = validateAgainstXsd(xsd, write(fixture('enterprise-cluster.after.xml')));
    expect(enterprise.valid, 'CE has no <cluster>').toBe(false);
    expect(enterprise.output).toContain('cluster');
    const lowercase = fixture('stock-ce.after.xml').replace('>REQUIRED<', '>required<');
    expect(
      validateAgainstXsd(xsd, write(lowercase)).valid,
      'client-authentication-mode is case-sensitive',
    ).toBe(false);
  });

  for (const { name, config } of GOLDEN_CASES.filter((c) => c.config.edition === 'community'))
    it(`accepts the golden ${name}.after.xml, and it is what applyTlsConfig writes`, () => {
      const after = fixture(`${name}.after.xml`);
      expect(applyTlsConfig(fixture(`${name}.before.xml`), config)).toBe(after);
      expectValid(after);
    });

  it.each([
    ['NONE without a truststore', community({ clientAuthenticationMode: 'NONE', truststore: undefined })],
    [
      'OPTIONAL with protocols and cipher suites',
      community({
        clientAuthenticationMode: 'OPTIONAL',
        protocols: ['TLSv1.3'],
        cipherSuites: ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
      }),
    ],
    [
      'markup and whitespace in passwords',
      community({
        keystore: { path: '/etc/ssl/hivemq/a&b.jks', password: `<&>"' x\r\n`, privateKeyPassword: ']]>' },
      }),
    ],
    [
      'a websocket listener with a path next to the tcp one',
      {
        edition: 'community',
        listeners: [
          listenerSpec(),
          listenerSpec({ type: 'websocket', name: 'secure-ws', port: 8443, path: '/mqtt/ws' }),
        ],
      } satisfies HiveMqTlsConfig,
    ],
    [
      'a specific bind address and another port',
      community({ port: 8885, bindAddress: '10.0.0.11', name: 'internal' }),
    ],
    [
      'a cluster spec, which community ignores',
      {
        ...community(),
        cluster: {
          bindPort: 7800,
          keystore: { path: '/k.jks', password: 'p', privateKeyPassword: 'p' },
          truststore: { path: '/t.jks', password: 'p' },
        },
      } satisfies HiveMqTlsConfig,
    ],
  ])('accepts the stock config with %s', (_why, config) => {
    const once = applyTlsConfig(STOCK, config);
    expectValid(once);
    expectValid(applyTlsConfig(fixture('several-listeners.before.xml'), config));
  });

  it('accepts files whose <listeners> was missing or empty, and an update of every value', () => {
    expectValid(applyTlsConfig('<hivemq/>', community()));
    expectValid(applyTlsConfig('<?xml version="1.0"?>\n<hivemq>\n  <listeners/>\n</hivemq>\n', community()));
    const updated = applyTlsConfig(
      fixture('existing-listener.after.xml'),
      community({
        keystore: { path: '/new/ks.jks', password: 'n1', privateKeyPassword: 'n2' },
        clientAuthenticationMode: 'NONE',
        protocols: [],
        cipherSuites: ['TLS_AES_256_GCM_SHA384'],
      }),
    );
    expectValid(updated);
  });

  it('stores passwords so that libxml2 reads back exactly what was given', () => {
    const password = ` <&>"' x\t`;
    const file = write(
      applyTlsConfig(STOCK, community({ keystore: { ...listenerSpec().keystore, password } })),
    );
    const xpath = "string(//tls-tcp-listener[name='secure-listener']/tls/keystore/password)";
    const read = spawnSync('xmllint', ['--xpath', xpath, file], { encoding: 'utf8' });
    // xmllint ends its --xpath output with a newline of its own.
    expect(read.stdout.replace(/\n$/, '')).toBe(password);
  });
});
