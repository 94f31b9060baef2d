// The edition probe on a home laid out like HiveMQ CE's distribution zip (its build puts config.xsd
// in conf/ and the shadow jar at bin/hivemq.jar), with CE's real schema and jar: run by sh, parsed,
// decided. The e2e test runs the same probe over ssh on a sandbox node.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideEdition, schemaDeclaresCluster } from '../../src/hivemq/edition.js';
import { installProbe } from '../../src/hivemq/install-probe.js';
import { hivemqCeJar, hivemqConfigXsd } from '../helpers/hivemq-xsd.js';

let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'deploy-tls-hivemq-home-'));
  mkdirSync(join(home, 'conf'));
  mkdirSync(join(home, 'bin'));
  copyFileSync(hivemqConfigXsd(), join(home, 'conf', 'config.xsd'));
  symlinkSync(hivemqCeJar(), join(home, 'bin', 'hivemq.jar'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

it("reads HiveMQ CE's own schema and jar as Community Edition, with the jar's version", () => {
  const probe = installProbe(home);
  const facts = probe.parse(execFileSync('sh', ['-c', probe.command], { encoding: 'utf8' }));
  expect(facts.configXsd && schemaDeclaresCluster(facts.configXsd)).toBe(false);
  const decision = decideEdition(facts, 'auto', 'local');
  expect(decision.edition).toBe('community');
  // The jar's version is the one Maven resolved: its file name says it.
  expect(hivemqCeJar()).toContain(`-${decision.version}.jar`);
  expect(() => decideEdition(facts, 'enterprise', 'local')).toThrow(/Community Edition/);
});
