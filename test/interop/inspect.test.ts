// `deploy-tls inspect` against files and a listener made by tools nobody here wrote (keytool,
// openssl req/pkcs12/s_server), its findings cross-checked with keytool -list and openssl x509/verify.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../../src/inspect/inspect.js';
import { requireBuiltCli, runCli } from '../helpers/cli.js';

const env = { DEPLOY_TLS_CA_PASSWORD: 'ca-Secret-1-of-12+', HIVEMQ_KEYSTORE_PASSWORD: 'store-Secret-2' };
// A loopback address of this checkout's own range, so parallel checkouts never share a port.
const HOST = `${process.env.DEPLOY_TLS_SANDBOX_NET ?? '127.0.1'}.250`;
let work: string;
let caDir: string;
let server: ChildProcess | undefined;

function tool(command: string, args: string[], extraEnv: Record<string, string> = {}): string {
  return execFileSync(command, args, {
    cwd: work,
    env: { ...process.env, ...env, ...extraEnv },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return runCli(args, { ...env, ...extraEnv }, work);
}

function inspectJson(args: string[], exitCode = 0): InspectReport {
  const result = cli(['inspect', ...args, '--json']);
  expect(result.code).toBe(exitCode);
  if (exitCode === 0) expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as InspectReport;
}

/** What openssl says about one PEM certificate, in inspect's spelling. */
function opensslFacts(pemFile: string) {
  const out = tool('openssl', [
    'x509',
    '-in',
    pemFile,
    '-noout',
    '-serial',
    '-fingerprint',
    '-sha256',
    '-enddate',
  ]);
  const field = (name: string) => new RegExp(`${name}=(.+)`).exec(out)?.[1]?.trim();
  return {
    serial: field('serial'),
    sha256: field('sha256 Fingerprint'),
    notAfter: new Date(field('notAfter') ?? '').toISOString(),
  };
}

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-inspect-'));
  caDir = join(work, 'pki');
  expect(cli(['ca', 'init', '--ca-dir', caDir]).code).toBe(0);
  const san = `DNS:broker1.example.com,IP:${HOST}`;
  for (const [name, extra] of [
    ['broker1', ['--san', san]],
    ['broker1-p12', ['--san', san, '--format', 'pkcs12', '--key', 'ecdsa-p256']],
  ] as const) {
    expect(cli(['issue', 'node', '--ca-dir', caDir, '--name', name, '--out', name, ...extra]).code).toBe(0);
  }
  expect(cli(['issue', 'client', '--ca-dir', caDir, '--name', 'mqtt-client', '--out', 'client']).code).toBe(
    0,
  );
}, 120_000);

afterAll(() => {
  server?.kill();
});

describe('inspect a file', () => {
  it('a JKS keystore: the alias, chain, serials and fingerprints keytool lists, chained to the CA', () => {
    const report = inspectJson(['broker1/hivemq-keystore.jks', '--ca-dir', caDir]);
    expect(report.source).toBe('jks');
    const keytool = tool('keytool', [
      '-list',
      '-v',
      '-keystore',
      'broker1/hivemq-keystore.jks',
      '-storepass:env',
      'HIVEMQ_KEYSTORE_PASSWORD',
    ]);
    const [entry] = report.entries;
    expect(report.entries).toHaveLength(1);
    expect(keytool).toContain(`Alias name: ${entry?.alias}`);
    expect(keytool).toContain(`Certificate chain length: ${entry?.certificates.length}`);
    for (const cert of entry?.certificates ?? []) {
      expect(keytool).toContain(`Serial number: ${cert.serial.toLowerCase()}`);
      expect(keytool).toContain(`SHA256: ${cert.sha256}`);
      expect(keytool).toContain(`SHA1: ${cert.sha1}`);
    }
    expect(keytool).toContain('2048-bit RSA key');
    expect(entry?.certificates[0]?.key).toBe('RSA 2048');
    expect(entry?.certificates[0]).toMatchObject(opensslFacts('broker1/broker1.cert.pem'));
    expect(entry?.certificates[0]?.sans).toEqual(['DNS:broker1.example.com', `IP Address:${HOST}`]);
    expect(entry?.certificates[0]?.extendedKeyUsage).toEqual(['serverAuth', 'clientAuth']);
    expect(entry?.chainsToCa).toMatchObject({ ok: true });
    expect(entry?.chainsToCa?.path).toHaveLength(3);
  });

  it('a PKCS#12 store keytool wrote itself, and a PEM chain openssl verifies the same way', () => {
    tool('keytool', [
      '-genkeypair',
      '-keystore',
      'keytool.p12',
      '-storetype',
      'PKCS12',
      '-storepass:env',
      'HIVEMQ_KEYSTORE_PASSWORD',
      '-alias',
      'made-by-keytool',
      '-keyalg',
      'EC',
      '-groupname',
      'secp384r1',
      '-dname',
      'CN=made by keytool',
      '-validity',
      '30',
    ]);
    const report = inspectJson(['keytool.p12', '--ca-dir', caDir], 1).entries;
    const listed = tool('keytool', [
      '-list',
      '-v',
      '-keystore',
      'keytool.p12',
      '-storepass:env',
      'HIVEMQ_KEYSTORE_PASSWORD',
    ]);
    expect(report.map((e) => e.alias)).toEqual(['made-by-keytool']);
    expect(listed).toContain(`SHA256: ${report[0]?.certificates[0]?.sha256}`);
    expect(report[0]?.certificates[0]).toMatchObject({ key: 'EC secp384r1', selfSigned: true, daysLeft: 29 });
    expect(report[0]?.chainsToCa?.ok).toBe(false);

    // ours: openssl verify agrees that the leaf chains to the root and a foreign one does not
    const chain = inspectJson(['broker1-p12/ca-chain.cert.pem', '--ca-dir', caDir]);
    expect(chain.entries[0]?.certificates.map((c) => c.selfSigned)).toEqual([false, true]);
    const verify = (leaf: string) =>
      spawnSync(
        'openssl',
        [
          'verify',
          '-CAfile',
          join(caDir, 'certs/ca.cert.pem'),
          '-untrusted',
          join(caDir, 'intermediate/certs/intermediate.cert.pem'),
          leaf,
        ],
        { cwd: work },
      ).status;
    tool('keytool', [
      '-exportcert',
      '-rfc',
      '-keystore',
      'keytool.p12',
      '-storepass:env',
      'HIVEMQ_KEYSTORE_PASSWORD',
      '-alias',
      'made-by-keytool',
      '-file',
      'foreign.pem',
    ]);
    expect(verify('broker1-p12/broker1-p12.cert.pem')).toBe(0);
    expect(
      inspectJson(['broker1-p12/broker1-p12.cert.pem', '--ca-dir', caDir]).entries[0]?.chainsToCa?.ok,
    ).toBe(true);
    expect(verify('foreign.pem')).not.toBe(0);
    const foreign = cli(['inspect', 'foreign.pem', '--ca-dir', caDir]);
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toContain(`chains to CA ${caDir}: NO: no certificate of the chain or of the CA`);
  });

  it('our PKCS#12 keystore opens in openssl with the same certificates', () => {
    const report = inspectJson(['broker1-p12/hivemq-keystore.p12']);
    const openssl = tool('openssl', [
      'pkcs12',
      '-in',
      'broker1-p12/hivemq-keystore.p12',
      '-nokeys',
      '-passin',
      'env:HIVEMQ_KEYSTORE_PASSWORD',
    ]);
    writeFileSync(join(work, 'p12-certs.pem'), openssl);
    const fromOpenssl = inspectJson(['p12-certs.pem']).entries[0]?.certificates.map((c) => c.sha256);
    expect(report.entries[0]?.certificates.map((c) => c.sha256)).toEqual(fromOpenssl);
    expect(report.entries[0]?.certificates[0]?.key).toBe('EC prime256v1');
  });

  it('a PEM with a key says so and never prints it; a wrong password names the file, exit 2', () => {
    const key = readFileSync(join(work, 'client/mqtt-client.key.pem'), 'utf8');
    writeFileSync(
      join(work, 'with-key.pem'),
      `${readFileSync(join(work, 'client/mqtt-client.cert.pem'), 'utf8')}${key}`,
    );
    const shown = cli(['inspect', 'with-key.pem']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('also holds a private key (encrypted; not shown)');
    expect(shown.stdout).not.toContain(key.split('\n')[1]);

    const wrong = cli(['inspect', 'broker1/hivemq-truststore.jks'], { HIVEMQ_KEYSTORE_PASSWORD: 'wrong' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('broker1/hivemq-truststore.jks: JKS keystore integrity check failed');
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain(env.HIVEMQ_KEYSTORE_PASSWORD);

    const neither = cli(['inspect', 'no-such-file']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('no such file, and not host:port');
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, HOST, done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

/** openssl s_server with broker1's key and chain, requiring a client certificate from our intermediate. */
async function startServer(extra: string[]): Promise<number> {
  server?.kill();
  const port = await freePort();
  const proc = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      `${HOST}:${port}`,
      '-cert',
      'broker1/broker1.cert.pem',
      '-cert_chain',
      'broker1/ca-chain.cert.pem',
      '-key',
      // The CA keeps each leaf's key under the certificate's serial.
      join(caDir, `intermediate/private/broker1-${opensslFacts('broker1/broker1.cert.pem').serial}.key.pem`),
      '-pass',
      'env:DEPLOY_TLS_CA_PASSWORD',
      '-CAfile',
      'broker1/ca-chain.cert.pem',
      '-Verify',
      '2',
      '-verify_return_error',
      ...extra,
    ],
    { cwd: work, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  server = proc;
  await new Promise<void>((ready, fail) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ACCEPT')) ready();
    });
    proc.once('exit', (code) => fail(new Error(`openssl s_server exited with ${code}`)));
  });
  return port;
}

describe('inspect host:port', () => {
  it('over mutual TLS with a client bundle: the served chain is the one on disk and chains to the CA', async () => {
    // TLS 1.2: the server judges the client certificate within the handshake, so success means it was accepted
    const port = await startServer(['-tls1_2']);
    const report = inspectJson([`${HOST}:${port}`, '--client-bundle', 'client', '--ca-dir', caDir]);
    expect(report.tls).toMatchObject({ host: HOST, port, nameMatches: true, protocol: 'TLSv1.2' });
    expect(report.tls?.clientCertificate).toContain('CN=mqtt-client');
    const served = report.entries[0]?.certificates ?? [];
    expect(served[0]).toMatchObject(opensslFacts('broker1/broker1.cert.pem'));
    expect(served).toHaveLength(3);
    expect(report.entries[0]?.chainsToCa?.ok).toBe(true);
  });

  it('a listener that requires a client certificate, asked without one, points to --client-bundle', async () => {
    const port = await startServer(['-tls1_2']);
    const result = cli(['inspect', `${HOST}:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('add --client-bundle DIR');
  });

  it('with TLS 1.3 the chain is read before the server asks for a client certificate', async () => {
    const port = await startServer(['-tls1_3']);
    const report = inspectJson([`${HOST}:${port}`, '--ca-dir', caDir]);
    expect(report.tls).toMatchObject({ protocol: 'TLSv1.3', nameMatches: true });
    expect(report.tls?.clientCertificate).toBeUndefined();
    expect(report.entries[0]?.certificates[0]?.serial).toBe(opensslFacts('broker1/broker1.cert.pem').serial);
  });
});
