// What can be proven about Enterprise cluster transport TLS without an Enterprise broker: with the
// keystores and truststores `deploy-tls issue node` writes, a JSSE TLS server and client set up as
// the cluster transport's <tls> says (node keystore = key material, truststore = trust, client
// authentication required) authenticate every pair of nodes both ways, in JKS and PKCS#12 alike,
// and refuse a node whose certificate comes from another CA, in both roles.
// Not proven here: that HiveMQ Enterprise accepts the <cluster> element names (no Enterprise schema
// or broker is available; the rollout validates against the node's own config.xsd before writing).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../helpers/cli.js';

const HARNESS = fileURLToPath(new URL('./java/ClusterTls.java', import.meta.url));
const exec = promisify(execFile);
// Per-run passwords; a JKS node gets a key password of its own, as the inventory allows.
const env = {
  CA_PASS: `ca-password-${process.pid}-A`,
  STORE_PASS: `store-${process.pid}-B`,
  KEY_PASS: `key-${process.pid}-C`,
  TRUST_PASS: `trust-${process.pid}-D`,
};
const NODES = [
  { name: 'broker1', format: 'jks', keyPassEnv: 'KEY_PASS' },
  { name: 'broker2', format: 'pkcs12', keyPassEnv: 'STORE_PASS' },
  { name: 'broker3', format: 'jks', keyPassEnv: 'KEY_PASS' },
] as const;
let work: string;
let lines: string[];

function issue(caDir: string, name: string, format: 'jks' | 'pkcs12', keyPassEnv: string): string {
  const out = join(work, name);
  const result = runCli(
    [
      ...['issue', 'node', '--ca-dir', caDir, '--name', name, '--out', out, '--format', format],
      ...['--san', `DNS:${name}.cluster.test`, '--san', 'IP:127.0.0.1'],
    ],
    {
      DEPLOY_TLS_CA_PASSWORD: env.CA_PASS,
      HIVEMQ_KEYSTORE_PASSWORD: env.STORE_PASS,
      HIVEMQ_TRUSTSTORE_PASSWORD: env.TRUST_PASS,
      ...(keyPassEnv === 'KEY_PASS' ? { HIVEMQ_KEY_PASSWORD: env.KEY_PASS } : {}),
    },
  );
  expect(result.code, result.stderr).toBe(0);
  const ext = format === 'jks' ? 'jks' : 'p12';
  return [
    name,
    join(out, `hivemq-keystore.${ext}`),
    'STORE_PASS',
    keyPassEnv,
    join(out, `hivemq-truststore.${ext}`),
    'TRUST_PASS',
  ].join(',');
}

beforeAll(async () => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-cluster-'));
  const ca = { DEPLOY_TLS_CA_PASSWORD: env.CA_PASS };
  expect(runCli(['ca', 'init', '--ca-dir', join(work, 'pki')], ca).code).toBe(0);
  expect(
    runCli(['ca', 'init', '--ca-dir', join(work, 'foreign-pki'), '--subject', '/O=Elsewhere'], ca).code,
  ).toBe(0);
  const specs = NODES.map((node) => issue(join(work, 'pki'), node.name, node.format, node.keyPassEnv));
  // The intruder holds a certificate from another CA but trusts ours (our chain is no secret), so
  // when it connects, only the cluster node's check of its client certificate can stop it.
  const intruder = issue(join(work, 'foreign-pki'), 'intruder', 'jks', 'KEY_PASS').split(',');
  intruder[4] = specs[0]?.split(',')[4] ?? '';
  specs.push(intruder.join(','));
  const { stdout } = await exec('java', [HARNESS, ...specs], {
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  lines = stdout.trim().split('\n');
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const line = (server: string, client: string) =>
  lines.find((l) => l.includes(` server=${server} client=${client} `)) ?? `(no line for ${server}/${client})`;

describe('cluster transport TLS between issued node certificates', () => {
  it('ran one handshake per ordered pair of the four nodes', () => {
    expect(lines).toHaveLength(4 * 3);
  });

  for (const server of NODES)
    for (const client of NODES.filter((n) => n !== server))
      it(`${server.name} (${server.format}) accepts ${client.name} (${client.format}), each seeing the other's certificate`, () => {
        const result = line(server.name, client.name);
        expect(result).toMatch(/^OK /);
        expect(result).toContain(`serverSawClient=CN=${client.name}.cluster.test`);
        expect(result).toContain(`clientSawServer=CN=${server.name}.cluster.test`);
        expect(result).toMatch(/protocol=TLSv1\.[23]/);
      });

  it('refuses a node from another CA as a client, on every node', () => {
    for (const server of NODES) {
      const result = line(server.name, 'intruder');
      expect(result).toMatch(/^REFUSED /);
      // The server refused it (the intruder trusted the server). JSSE's key manager sends no
      // certificate when none chains to a CA the server's CertificateRequest names, so the server
      // sees an empty chain; one that sent its certificate anyway would fail PKIX validation.
      expect(result).toMatch(/serverError=\S*(Empty_client_certificate_chain|PKIX_path_building_failed)/);
    }
  });

  it('and every node, as a client, refuses that node as a server', () => {
    for (const client of NODES) {
      const result = line('intruder', client.name);
      expect(result).toMatch(/^REFUSED /);
      expect(result).toMatch(/clientError=\S*PKIX_path_building_failed/);
    }
  });
});
