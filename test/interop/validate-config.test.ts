// validateConfig (libxml2 in WebAssembly, on the control host) against HiveMQ CE's own config.xsd
// agrees with xmllint (native libxml2) on every document here: what deploy-tls would refuse is
// what xmllint refuses, and each problem names the element.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTlsConfig } from '../../src/hivemq/config.js';
import { validateConfig } from '../../src/hivemq/validate.js';
import { hivemqConfigXsd, requireXmllint, validateAgainstXsd } from '../helpers/hivemq-xsd.js';
import { fixture, GOLDEN_CASES, listenerSpec } from '../unit/hivemq/cases.js';

let xsdFile: string;
let xsd: string;
let dir: string;

beforeAll(() => {
  requireXmllint();
  xsdFile = hivemqConfigXsd();
  xsd = readFileSync(xsdFile, 'utf8');
  dir = mkdtempSync(join(tmpdir(), 'deploy-tls-validate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STOCK = fixture('stock-ce.before.xml');
const documents: [string, () => string][] = [
  ...GOLDEN_CASES.flatMap(({ name }): [string, () => string][] => [
    [`${name}.before.xml`, () => fixture(`${name}.before.xml`)],
    [`${name}.after.xml`, () => fixture(`${name}.after.xml`)],
  ]),
  [
    'lower-case client-authentication-mode',
    () => fixture('stock-ce.after.xml').replace('>REQUIRED<', '>required<'),
  ],
  ['a port above 65535', () => STOCK.replace('<port>1883</port>', '<port>70000</port>')],
  [
    'a websocket listener without tls',
    () =>
      STOCK.replace(
        '</listeners>',
        '<tls-websocket-listener><port>8001</port></tls-websocket-listener></listeners>',
      ),
  ],
  [
    'an empty path',
    () =>
      applyTlsConfig(STOCK, {
        edition: 'community',
        listeners: [listenerSpec({ type: 'websocket', port: 8001 })],
      }).replace('<path>/mqtt</path>', '<path> </path>'),
  ],
];

describe("validateConfig against HiveMQ CE's config.xsd", () => {
  it.each(documents)('agrees with xmllint on %s', (name, make) => {
    const xml = make();
    const file = join(dir, `${name.replace(/\W+/g, '-')}.xml`);
    writeFileSync(file, xml);
    const xmllint = validateAgainstXsd(xsdFile, file);
    const problems = validateConfig(xml, xsd);
    expect(problems.length === 0, `${JSON.stringify(problems)}\nxmllint: ${xmllint.output}`).toBe(
      xmllint.valid,
    );
    // Every element xmllint names is named by validateConfig too.
    for (const match of xmllint.output.matchAll(/Element '([\w-]+)'/g))
      expect(problems.some((p) => p.element.endsWith(`/${match[1]}`))).toBe(true);
  });

  it('names the element and the schema message for CE, which has no <cluster>', () => {
    const problems = validateConfig(fixture('enterprise-cluster.after.xml'), xsd);
    expect(problems).toContainEqual({
      element: '/hivemq/cluster',
      line: expect.any(Number),
      message: "Element 'cluster': This element is not expected.",
    });
  });
});
