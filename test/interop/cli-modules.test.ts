// What the built CLI loads, recorded by a loader hook in the real process (test/helpers/
// record-modules.mjs): --help, --version and the local commands load no SSH, MQTT or listr2; a
// fleet command does, which shows the recording sees them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../helpers/cli.js';

const BIN = fileURLToPath(new URL('../../dist/cli/bin.cjs', import.meta.url));
const RECORDER = fileURLToPath(new URL('../helpers/record-modules.mjs', import.meta.url));
const NETWORK = ['node-ssh', 'ssh2', 'mqtt', 'listr2'];
const env = { DEPLOY_TLS_CA_PASSWORD: 'ca-secret-Aa1', HIVEMQ_KEYSTORE_PASSWORD: 'store-secret-Bb2' };
let work: string;
let inventory: string;

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-modules-'));
  const init = runCli(['ca', 'init', '--ca-dir', join(work, 'pki')], env);
  expect(init.code, init.stderr).toBe(0);
  inventory = join(work, 'inventory.yaml');
  writeFileSync(
    inventory,
    `ca: { dir: ./pki, password: { env: DEPLOY_TLS_CA_PASSWORD } }
defaults:
  tls: { keystore: { password: { env: HIVEMQ_KEYSTORE_PASSWORD } }, truststore: { password: { env: HIVEMQ_KEYSTORE_PASSWORD } } }
nodes:
  - { name: broker1, host: broker1.example.com, address: 127.0.0.1, ssh: { port: 1 } }
`,
  );
});

/** The packages (node_modules/<name>) the CLI process loaded for these arguments. */
function packagesLoaded(args: string[]): {
  code: number | null;
  stderr: string;
  packages: Set<string>;
  urls: string[];
} {
  const record = join(work, `modules-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(record, '');
  const result = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, ...env, DEPLOY_TLS_RECORD_MODULES: record },
    encoding: 'utf8',
  });
  const urls = readFileSync(record, 'utf8').split('\n');
  const packages = new Set(
    [...urls.join('\n').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1] as string),
  );
  return { code: result.status, stderr: result.stderr, packages, urls };
}

describe('the CLI loads what a command uses', () => {
  it.each([
    [['--version']],
    [['--help']],
    [['rotate', '--help']],
    [['ca', 'show', '--ca-dir', 'pki']],
    [
      [
        'issue',
        'node',
        '--ca-dir',
        'pki',
        '--name',
        'broker1',
        '--san',
        'DNS:broker1.example.com',
        '--out',
        'o1',
      ],
    ],
    [['issue', 'client', '--ca-dir', 'pki', '--name', 'app', '--out', 'o2']],
    [['issue', '--inventory', 'inventory.yaml', '--out', 'o3']],
    [['inspect', 'pki/certs/ca.cert.pem']],
    [['completion', 'bash']],
  ])('%j loads no SSH, MQTT or listr2', (args) => {
    const { code, stderr, packages, urls } = packagesLoaded(args);
    expect(code, stderr).toBe(0);
    expect(urls.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true); // the recording sees the CLI
    expect(NETWORK.filter((name) => packages.has(name))).toEqual([]);
  });

  it('a fleet command loads them (the recording sees what this test looks for)', () => {
    const { packages } = packagesLoaded(['plan', '--inventory', 'inventory.yaml']);
    expect(packages).toContain('commander');
    expect(['ssh2', 'mqtt', 'listr2'].filter((name) => packages.has(name))).toEqual([
      'ssh2',
      'mqtt',
      'listr2',
    ]);
  });
});
