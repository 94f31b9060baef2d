// `issue --inventory`: every node's stores (and the client bundles) written locally in one run,
// checked with keytool and openssl; --limit writes exactly the selected nodes and no bundles.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../helpers/cli.js';

const env = {
  DEPLOY_TLS_CA_PASSWORD: 'ca-Secret-0001',
  HIVEMQ_KEYSTORE_PASSWORD: 'store-Secret-2',
  HIVEMQ_TRUSTSTORE_PASSWORD: 'trust-Secret-3',
  CLIENT_PASSWORD: 'client-Secret-4',
};
let work: string;
let chain: string;

const tool = (command: string, args: string[]) =>
  execFileSync(command, args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-issue-inventory-'));
  writeFileSync(
    join(work, 'inventory.yaml'),
    `ca: { dir: ./pki, password: { env: DEPLOY_TLS_CA_PASSWORD }, subject: { C: DE, O: Example } }
defaults:
  tls:
    keystore: { password: { env: HIVEMQ_KEYSTORE_PASSWORD } }
    truststore: { password: { env: HIVEMQ_TRUSTSTORE_PASSWORD } }
clients:
  - { name: mqtt-client, password: { env: CLIENT_PASSWORD } }
nodes:
  - { name: broker1, host: broker1.example.com, address: 10.0.0.11, groups: [eu, canary] }
  - { name: broker2, host: broker2.example.com, groups: [eu], tls: { key: ecdsa-p256 } }
  - { name: broker3, host: broker3.example.com, groups: [us], tls: { keystore: { format: pkcs12 } } }
`,
  );
  const init = runCli(['ca', 'init', '--inventory', 'inventory.yaml'], env, work);
  expect(init.code, init.stderr).toBe(0);
  chain = join(work, 'pki/intermediate/certs/ca-chain.cert.pem');
});

describe('issue --inventory', () => {
  it("writes every node's keystore and truststore and the client bundle, which keytool and openssl accept", () => {
    const result = runCli(['issue', '--inventory', 'inventory.yaml', '--out', 'all'], env, work);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('issued 3 nodes and 1 client bundle');
    expect(readdirSync(join(work, 'all/nodes')).sort()).toEqual(['broker1', 'broker2', 'broker3']);

    const jks = tool('keytool', [
      '-list',
      '-v',
      '-keystore',
      'all/nodes/broker1/hivemq-keystore.jks',
      '-storepass',
      env.HIVEMQ_KEYSTORE_PASSWORD,
    ]);
    expect(jks).toContain('Entry type: PrivateKeyEntry');
    expect(jks).toContain('Certificate chain length: 3');
    expect(jks).toContain('DNSName: broker1.example.com');
    expect(jks).toContain('IPAddress: 10.0.0.11');
    const trust = tool('keytool', [
      '-list',
      '-keystore',
      'all/nodes/broker1/hivemq-truststore.jks',
      '-storepass',
      env.HIVEMQ_TRUSTSTORE_PASSWORD,
    ]);
    expect(trust.match(/trustedCertEntry/g)).toHaveLength(1); // the issuing intermediate only
    const p12 = tool('keytool', [
      '-list',
      '-keystore',
      'all/nodes/broker3/hivemq-keystore.p12',
      '-storetype',
      'PKCS12',
      '-storepass',
      env.HIVEMQ_KEYSTORE_PASSWORD,
    ]);
    expect(p12).toContain('PrivateKeyEntry');
    for (const node of ['broker1', 'broker2', 'broker3']) {
      expect(tool('openssl', ['verify', '-CAfile', chain, `all/nodes/${node}/${node}.cert.pem`])).toContain(
        ': OK',
      );
    }
    expect(
      tool('openssl', ['x509', '-in', 'all/nodes/broker2/broker2.cert.pem', '-noout', '-text']),
    ).toContain('id-ecPublicKey');
    const client = tool('keytool', [
      '-list',
      '-keystore',
      'all/clients/mqtt-client/mqtt-client-keystore.jks',
      '-storepass',
      env.CLIENT_PASSWORD,
    ]);
    expect(client).toContain('PrivateKeyEntry');
    expect(
      tool('openssl', ['verify', '-CAfile', chain, 'all/clients/mqtt-client/mqtt-client.cert.pem']),
    ).toContain(': OK');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/Secret-\d/);
  });

  it('--limit writes exactly the nodes it selects, and no client bundle', () => {
    const result = runCli(
      ['issue', '--inventory', 'inventory.yaml', '--out', 'eu', '--limit', 'eu:!canary'],
      env,
      work,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(work, 'eu/nodes'))).toEqual(['broker2']);
    expect(existsSync(join(work, 'eu/clients'))).toBe(false);
  });

  it('a --limit that matches nothing, or no --out, is refused and writes nothing', () => {
    const typo = runCli(
      ['issue', '--inventory', 'inventory.yaml', '--out', 'typo', '--limit', 'brokr1'],
      env,
      work,
    );
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no node or group matches "brokr1"');
    expect(existsSync(join(work, 'typo'))).toBe(false);
    const noOut = runCli(['issue', '--inventory', 'inventory.yaml'], env, work);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('issue --inventory needs --out DIR');
  });

  it('one certificate the CA would refuse stops the run before any is issued: exit 2, nothing written', () => {
    const index = () => readFileSync(join(work, 'pki/intermediate/index.txt'), 'utf8');
    const before = index();
    // broker3 asks for the longest lifetime there is: it would outlive the intermediate made a moment ago.
    writeFileSync(
      join(work, 'inventory-long.yaml'),
      readFileSync(join(work, 'inventory.yaml'), 'utf8').replace(
        'tls: { keystore: { format: pkcs12 } }',
        'tls: { days: 3650 }',
      ),
    );
    const result = runCli(['issue', '--inventory', 'inventory-long.yaml', '--out', 'long'], env, work);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('would outlive the issuing intermediate CA');
    expect(existsSync(join(work, 'long'))).toBe(false);
    expect(index()).toBe(before);
  });
});
