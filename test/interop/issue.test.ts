// What `issue node` and `issue client` write, checked with tools nobody here wrote.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../helpers/cli.js';

const env = {
  DEPLOY_TLS_CA_PASSWORD: 'ca-Secret-1-of-12+',
  HIVEMQ_KEYSTORE_PASSWORD: 'store-Secret-2',
  HIVEMQ_KEY_PASSWORD: 'key-Secret-3',
  HIVEMQ_TRUSTSTORE_PASSWORD: 'trust-Secret-4',
};
let work: string;
let caDir: string;
let chain: string;

function tool(command: string, args: string[]): string {
  return execFileSync(command, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function issue(
  kind: 'node' | 'client',
  name: string,
  extra: string[],
  overrides: Record<string, string> = {},
) {
  const out = join(work, name);
  const result = runCli(['issue', kind, '--ca-dir', caDir, '--name', name, '--out', out, ...extra], {
    ...env,
    ...overrides,
  });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return out;
}

/** stdout and stderr together: openssl pkcs12 -info reports the MAC and PBE lines on stderr. */
function toolOutput(command: string, args: string[]): string {
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return `${result.stdout}${result.stderr}`;
}

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-issue-'));
  caDir = join(work, 'pki');
  expect(runCli(['ca', 'init', '--ca-dir', caDir, '--subject', '/C=DE/O=Example'], env).code).toBe(0);
  chain = join(caDir, 'intermediate/certs/ca-chain.cert.pem');
}, 120_000); // two RSA-4096 keys: slow on a busy machine

describe('issue node', () => {
  it.each([
    ['rsa-2048', 'Public-Key: (2048 bit)'],
    ['rsa-3072', 'Public-Key: (3072 bit)'],
    ['rsa-4096', 'Public-Key: (4096 bit)'],
    ['ecdsa-p256', 'NIST CURVE: P-256'],
    ['ecdsa-p384', 'NIST CURVE: P-384'],
  ])('%s: chain verifies, node profile, JKS keystore with the full chain', (key, keyText) => {
    const name = `node-${key}`;
    const out = issue('node', name, [
      '--key',
      key,
      '--san',
      `DNS:${name}.example.com,DNS:alt.example.com,IP:127.0.1.9`,
    ]);
    const cert = join(out, `${name}.cert.pem`);
    expect(tool('openssl', ['verify', '-CAfile', chain, cert])).toContain(': OK');
    const text = tool('openssl', ['x509', '-in', cert, '-noout', '-text']);
    expect(text).toContain(keyText);
    expect(text).toContain(`Subject: C = DE, O = Example, CN = ${name}.example.com`);
    expect(text).toContain(`DNS:${name}.example.com, DNS:alt.example.com, IP Address:127.0.1.9`);
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toContain('CA:FALSE');
    expect(text).toMatch(
      key.startsWith('rsa')
        ? /Digital Signature, Key Encipherment/
        : /Key Usage: critical\n\s+Digital Signature\n/,
    );
    // The serial is random, positive and at least 64 bits.
    const serial = tool('openssl', ['x509', '-in', cert, '-noout', '-serial']).trim().split('=')[1] as string;
    expect(serial.length).toBeGreaterThanOrEqual(16);

    const list = tool('keytool', [
      '-list',
      '-v',
      '-storetype',
      'JKS',
      '-keystore',
      join(out, 'hivemq-keystore.jks'),
      '-storepass:env',
      'HIVEMQ_KEYSTORE_PASSWORD',
    ]);
    expect(list).toContain('Entry type: PrivateKeyEntry');
    expect(list).toContain('Certificate chain length: 3');
    const trust = tool('keytool', [
      '-list',
      '-storetype',
      'JKS',
      '-keystore',
      join(out, 'hivemq-truststore.jks'),
      '-storepass:env',
      'HIVEMQ_TRUSTSTORE_PASSWORD',
    ]);
    // The broker trusts the issuing intermediate only (not the root: see bundle.ts).
    expect(trust.match(/trustedCertEntry/g)).toHaveLength(1);
    expect(trust).toContain('intermediate-ca-');
    expect(statSync(join(out, 'hivemq-keystore.jks')).mode & 0o777).toBe(0o600);
    // index.txt records it, newcerts holds it.
    expect(readFileSync(join(caDir, 'intermediate/index.txt'), 'utf8')).toContain(
      `\t${serial}\tunknown\t/C=DE/O=Example/CN=${name}.example.com`,
    );
    expect(readFileSync(join(caDir, `intermediate/newcerts/${serial}.pem`), 'utf8')).toBe(
      readFileSync(cert, 'utf8'),
    );
    // The CA keeps the certificate and its key under names of their own, with the serial.
    expect(readFileSync(join(caDir, `intermediate/certs/${name}-${serial}.cert.pem`), 'utf8')).toBe(
      readFileSync(cert, 'utf8'),
    );
    expect(statSync(join(caDir, `intermediate/private/${name}-${serial}.key.pem`)).mode & 0o777).toBe(0o400);
  });

  it.each(['modern', 'legacy'])('PKCS#12 %s keystore opens in openssl with the store password', (profile) => {
    const name = `p12-${profile}`;
    const out = issue(
      'node',
      name,
      ['--san', `DNS:${name}.example.com`, '--format', 'pkcs12', '--pkcs12-profile', profile],
      {
        HIVEMQ_KEY_PASSWORD: '',
      },
    );
    const info = toolOutput('openssl', [
      'pkcs12',
      '-info',
      '-nokeys',
      '-in',
      join(out, 'hivemq-keystore.p12'),
      '-passin',
      'env:HIVEMQ_KEYSTORE_PASSWORD',
    ]);
    expect(info).toContain(`subject=C = DE, O = Example, CN = ${name}.example.com`);
    expect(info).toMatch(profile === 'modern' ? /MAC: sha256/ : /MAC: sha1/);
  });
});

describe('issue client', () => {
  it('writes a clientAuth certificate, Java stores and an encrypted PEM key for mqtt.js', () => {
    const out = issue('client', 'mqtt-client', []);
    const cert = join(out, 'mqtt-client.cert.pem');
    expect(tool('openssl', ['verify', '-CAfile', chain, cert])).toContain(': OK');
    const text = tool('openssl', ['x509', '-in', cert, '-noout', '-text']);
    expect(text).toMatch(/Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
    // A TLS client only signs (CertificateVerify): no keyEncipherment, as RFC 5280 lints demand.
    expect(text).toMatch(/Key Usage: critical\n\s+Digital Signature\n/);
    const days =
      (Date.parse(tool('openssl', ['x509', '-in', cert, '-noout', '-enddate']).split('=')[1] as string) -
        Date.now()) /
      86_400_000;
    expect(Math.round(days)).toBe(375);
    const key = join(out, 'mqtt-client.key.pem');
    expect(readFileSync(key, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    // The key opens with the keystore password and belongs to the certificate.
    const fromKey = tool('openssl', [
      'pkey',
      '-in',
      key,
      '-passin',
      'env:HIVEMQ_KEYSTORE_PASSWORD',
      '-pubout',
    ]);
    expect(fromKey).toBe(tool('openssl', ['x509', '-in', cert, '-noout', '-pubkey']));
    const list = tool('keytool', [
      '-list',
      '-v',
      '-storetype',
      'JKS',
      '-keystore',
      join(out, 'mqtt-client-keystore.jks'),
      '-storepass:env',
      'HIVEMQ_KEYSTORE_PASSWORD',
    ]);
    expect(list).toContain('Certificate chain length: 3');
    expect(readFileSync(join(out, 'ca-chain.cert.pem'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('--plain-key writes the key unencrypted for tools that cannot prompt', () => {
    const out = issue('client', 'plain-client', ['--plain-key']);
    const key = readFileSync(join(out, 'plain-client.key.pem'), 'utf8');
    expect(key).toContain('BEGIN PRIVATE KEY');
    expect(statSync(join(out, 'plain-client.key.pem')).mode & 0o777).toBe(0o600);
  });
});
