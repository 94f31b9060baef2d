// OpenSSL interop both ways, against the real `openssl` (and keytool): a CA made with the HiveMQ
// article's own commands is adopted by the built CLI, and a CA the CLI made and issued from keeps
// working with `openssl ca`. Every CA is generated here; passwords reach the tools through env vars.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articleCreateCa, articleIssueClient, articleIssueServer } from '../../scripts/article/procedure.js';
import { Secret } from '../../src/secret.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
if (!existsSync(CLI)) {
  // Fail the file with the fix rather than with ENOENT from every test.
  throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` builds before it tests)`);
}

const exec = promisify(execFile);
const PASSWORD = `interop-${randomBytes(8).toString('hex')}`;
const env = {
  ...process.env,
  DEPLOY_TLS_CA_PASSWORD: PASSWORD,
  HIVEMQ_KEYSTORE_PASSWORD: `keystore-${randomBytes(6).toString('hex')}`,
  // Empty counts as unset: the key and truststore passwords default to the keystore password.
  HIVEMQ_KEY_PASSWORD: '',
  HIVEMQ_TRUSTSTORE_PASSWORD: '',
  WRONG_PASSWORD: 'not-the-ca-password',
};
const PASSIN = ['-passin', 'env:DEPLOY_TLS_CA_PASSWORD'];
const SUBJECT = '/C=DE/ST=Bavaria/L=Landshut/O=Interop Test/OU=Operations';
const DAY_MS = 86_400_000;

async function tool(
  cwd: string,
  command: string,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}
const openssl = async (cwd: string, ...args: string[]) => (await tool(cwd, 'openssl', args)).stdout;
const deployTls = async (...args: string[]) => (await tool(tmp, process.execPath, [CLI, ...args])).stdout;
/** `issue node` into `<caDir>/../out/<name>`, so that the CAs' bundles never share a folder. */
const issueNode = (caDir: string, name: string, sans: string) => {
  const out = join(caDir, '..', 'out', name);
  return deployTls('issue', 'node', ...['--ca-dir', caDir, '--name', name, '--san', sans, '--out', out]);
};

/** `openssl verify` against the chain file the article builds (and `ca init` writes). */
async function verify(caDir: string, cert: string): Promise<string> {
  return (await openssl(caDir, 'verify', '-CAfile', 'intermediate/certs/ca-chain.cert.pem', cert)).trim();
}

async function serialOf(caDir: string, cert: string): Promise<string> {
  const out = await openssl(caDir, 'x509', '-noout', '-serial', '-in', cert);
  return out.trim().replace(/^serial=/, '');
}

/** The serial column of intermediate/index.txt, in file order. */
async function indexSerials(caDir: string): Promise<string[]> {
  const text = await readFile(join(caDir, 'intermediate/index.txt'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t')[3] ?? '');
}

const asNumber = (hex: string) => BigInt(`0x${hex.trim()}`);

/** The certificate deploy-tls issued for `name`: intermediate/certs/<name>-<SERIAL>.cert.pem. */
async function leafCert(caDir: string, name: string): Promise<string> {
  const files = (await readdir(join(caDir, 'intermediate/certs'))).filter((file) =>
    new RegExp(`^${name}-[0-9A-F]+\\.cert\\.pem$`).test(file),
  );
  expect(files, `${name}'s certificate in ${caDir}`).toHaveLength(1);
  return `intermediate/certs/${files[0]}`;
}

/** sha256 of each file, for proof that a command left them as they were. */
async function hashes(dir: string, paths: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    paths.map(async (path) => [
      path,
      createHash('sha256')
        .update(await readFile(join(dir, path)))
        .digest('hex'),
    ]),
  );
  return Object.fromEntries(entries);
}

/** Every path below dir, directories with a trailing slash, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => {
      const path = join(entry.parentPath, entry.name).slice(dir.length + 1);
      return entry.isDirectory() ? `${path}/` : path;
    })
    .sort();
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

let tmp: string;
const ca = (name: string) => join(tmp, name, 'ca');
let articleTree: string[];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'deploy-tls-openssl-'));
  // Separate processes, so the four CAs' RSA-4096 keys are made on both cores at once.
  await Promise.all([
    articleCreateCa(ca('article'), new Secret(PASSWORD, 'test')),
    ...['layout', 'interop', 'offline'].map((name) =>
      deployTls('ca', 'init', '--ca-dir', ca(name), '--subject', SUBJECT),
    ),
  ]);
  articleTree = await tree(ca('article'));
}, 120_000); // four CAs of two RSA-4096 keys each: slow on a busy machine

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('deploy-tls ca init', () => {
  it("creates exactly the article's folders and files", async () => {
    const dir = ca('layout');
    const serial = await serialOf(dir, 'intermediate/certs/intermediate.cert.pem');
    expect(await tree(dir)).toEqual(
      [
        'ca-openssl.cnf',
        'certs/',
        'certs/ca.cert.pem',
        'crl/',
        'index.txt',
        'intermediate/',
        'intermediate/certs/',
        'intermediate/certs/ca-chain.cert.pem',
        'intermediate/certs/intermediate.cert.pem',
        'intermediate/crl/',
        'intermediate/crlnumber',
        'intermediate/csr/',
        'intermediate/index.txt',
        'intermediate/intermediate-openssl.cnf',
        'intermediate/newcerts/',
        'intermediate/private/',
        'intermediate/private/intermediate.key.pem',
        'intermediate/serial.txt',
        'newcerts/',
        `newcerts/${serial}.pem`,
        'private/',
        'private/ca.key.pem',
        'serial.txt',
      ].sort(),
    );
    // The same paths the article's commands leave, apart from openssl's own by-products (backups,
    // index.txt.attr) and the intermediate CSR, which nothing reads again.
    const byProduct = /\.old$|\.attr$|^intermediate\/csr\/.+/;
    const articlePaths = articleTree
      .filter((path) => !byProduct.test(path))
      .map((path) => path.replace(/^newcerts\/[0-9A-F]+\.pem$/, `newcerts/${serial}.pem`));
    expect(await tree(dir)).toEqual(articlePaths);
    expect(await readFile(join(dir, 'intermediate/crlnumber'), 'utf8')).toBe('1000\n');
  });

  it("sets the article's modes: keys 0400, certificates 0444, private folders 0700", async () => {
    const dir = ca('layout');
    for (const key of ['private/ca.key.pem', 'intermediate/private/intermediate.key.pem']) {
      expect(await modeOf(join(dir, key)), key).toBe(0o400);
    }
    const certs = ['certs/ca.cert.pem', 'intermediate/certs/intermediate.cert.pem'];
    for (const cert of [...certs, 'intermediate/certs/ca-chain.cert.pem']) {
      expect(await modeOf(join(dir, cert)), cert).toBe(0o444);
    }
    for (const folder of ['private', 'intermediate/private']) {
      expect(await modeOf(join(dir, folder)), folder).toBe(0o700);
    }
  });

  it('makes an RSA-4096 root (v3_ca, 3652 days) and intermediate (pathlen:0, 3650 days)', async () => {
    const dir = ca('layout');
    const expected = [
      { cert: 'certs/ca.cert.pem', constraints: 'CA:TRUE', days: 3652 },
      { cert: 'intermediate/certs/intermediate.cert.pem', constraints: 'CA:TRUE, pathlen:0', days: 3650 },
    ];
    for (const { cert, constraints, days } of expected) {
      const text = await openssl(dir, 'x509', '-noout', '-text', '-in', cert);
      expect(text).toContain('Public-Key: (4096 bit)');
      expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
      expect(text).toMatch(new RegExp(`Basic Constraints: critical\\s+${constraints}\\s*\\n`));
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      const dates = await openssl(dir, 'x509', '-noout', '-dates', '-dateopt', 'iso_8601', '-in', cert);
      const [from, to] = [/notBefore=(.+)/, /notAfter=(.+)/].map((re) =>
        Date.parse((re.exec(dates)?.[1] ?? '').replace(' ', 'T')),
      );
      expect(Math.floor(((to as number) - (from as number)) / DAY_MS), cert).toBe(days);
    }
    const chain = 'intermediate/certs/intermediate.cert.pem';
    expect((await openssl(dir, 'verify', '-CAfile', 'certs/ca.cert.pem', chain)).trim()).toBe(`${chain}: OK`);
    // The root's own `openssl ca` database knows the intermediate, as the article's `cat index.txt` shows.
    const serial = await serialOf(dir, chain);
    expect((await readFile(join(dir, 'index.txt'), 'utf8')).split('\t')[3]).toBe(serial);
  });

  it('encrypts both CA keys with AES-256: openssl opens them with the password only', async () => {
    const dir = ca('layout');
    for (const key of ['private/ca.key.pem', 'intermediate/private/intermediate.key.pem']) {
      const structure = await openssl(dir, 'asn1parse', '-in', key);
      expect(structure).toContain(':aes-256-cbc');
      // PBKDF2-HMAC-SHA256 with 600000 (0x927C0) iterations, not OpenSSL's default 2048.
      expect(structure).toContain(':hmacWithSHA256');
      expect(structure).toMatch(/INTEGER\s+:0927C0\n/);
      await openssl(dir, 'pkey', '-in', key, ...PASSIN, '-noout');
      await expect(
        openssl(dir, 'pkey', '-in', key, '-passin', 'env:WRONG_PASSWORD', '-noout'),
      ).rejects.toThrow(
        /Could not read key/, // openssl's reason varies with how the wrong key's padding decrypts
      );
    }
  });
});

describe("a CA made with the article's openssl commands", () => {
  it("is adopted: deploy-tls issues certificates that openssl verifies and records, and keeps the article's files", async () => {
    const dir = ca('article');
    const password = new Secret(PASSWORD, 'test');
    const keystores = join(tmp, 'article', 'keystores');
    // The article's own broker1 and mqtt-client, made by hand before deploy-tls is pointed at the CA.
    await articleIssueServer(dir, 'broker1', ['DNS:broker1.example.com'], password, keystores);
    await articleIssueClient(dir, 'mqtt-client', password, keystores);
    const handMade = [
      'intermediate/certs/broker1.cert.pem',
      'intermediate/private/broker1.key.pem',
      'intermediate/certs/mqtt-client.cert.pem',
      'intermediate/private/mqtt-client.key.pem',
    ];
    const handMadeHashes = await hashes(dir, handMade);
    const before = await indexSerials(dir);

    await issueNode(dir, 'broker1', 'DNS:broker1.example.com,DNS:localhost,IP:127.0.0.1');
    await deployTls(
      ...['issue', 'client', '--ca-dir', dir, '--name', 'mqtt-client'],
      ...['--out', join(dir, '..', 'out', 'mqtt-client')],
    );
    expect(await hashes(dir, handMade)).toEqual(handMadeHashes);

    const cert = await leafCert(dir, 'broker1');
    expect(await verify(dir, cert)).toBe(`${cert}: OK`);
    const ext = await openssl(dir, 'x509', '-noout', '-ext', 'extendedKeyUsage,subjectAltName', '-in', cert);
    expect(ext).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(ext).toContain('DNS:broker1.example.com, DNS:localhost, IP Address:127.0.0.1');
    const client = await leafCert(dir, 'mqtt-client');
    expect(await verify(dir, client)).toBe(`${client}: OK`);

    const serial = await serialOf(dir, cert);
    expect(await indexSerials(dir)).toEqual([...before, serial, await serialOf(dir, client)]);
    const issued = await readFile(join(dir, cert), 'utf8');
    expect(cert).toBe(`intermediate/certs/broker1-${serial}.cert.pem`);
    expect(await readFile(join(dir, `intermediate/newcerts/${serial}.pem`), 'utf8')).toBe(issued);
    expect(await readFile(join(dir, '../out/broker1/broker1.cert.pem'), 'utf8')).toBe(issued);

    const list = await tool(dir, 'keytool', [
      ...['-list', '-keystore', join(keystores, 'mqtt-client-truststore.jks')],
      ...['-storepass:env', 'DEPLOY_TLS_CA_PASSWORD'],
    ]);
    expect(list.stdout).toMatch(/mqtt client certificate, .*PrivateKeyEntry/);
    expect(list.stdout).toMatch(/intermediate ca certificate, .*trustedCertEntry/);
  });

  it("still issues with the article's server procedure afterwards", async () => {
    const dir = ca('article');
    const password = new Secret(PASSWORD, 'test');
    const keystores = join(tmp, 'article', 'keystores');
    await articleIssueServer(dir, 'broker2', ['DNS:broker2.example.com'], password, keystores);
    const cert = 'intermediate/certs/broker2.cert.pem';
    expect(await verify(dir, cert)).toBe(`${cert}: OK`);
    const serials = await indexSerials(dir);
    expect(new Set(serials.map(asNumber)).size).toBe(serials.length);
  });
});

describe('openssl ca on a CA that deploy-tls made and issued from', () => {
  it('issues, revokes, makes a CRL and updates the database; deploy-tls then issues again', async () => {
    const dir = ca('interop');
    const config = ['-config', 'intermediate/intermediate-openssl.cnf'];
    await issueNode(dir, 'broker1', 'DNS:broker1.example.com,IP:127.0.0.1');
    const oursCert = await leafCert(dir, 'broker1');
    const ours = await serialOf(dir, oursCert);
    const next = await readFile(join(dir, 'intermediate/serial.txt'), 'utf8');

    // The article's server procedure: genrsa, req, `openssl ca -extensions server_cert`, keystore.
    const keystores = join(tmp, 'interop', 'keystores');
    await articleIssueServer(
      dir,
      'broker2',
      ['DNS:broker2.example.com'],
      new Secret(PASSWORD, 'test'),
      keystores,
    );
    const theirs = await serialOf(dir, 'intermediate/certs/broker2.cert.pem');
    expect(asNumber(theirs)).toBe(asNumber(next));
    const advanced = await readFile(join(dir, 'intermediate/serial.txt'), 'utf8');
    expect(asNumber(advanced)).toBe(asNumber(next) + 1n);
    expect(await verify(dir, 'intermediate/certs/broker2.cert.pem')).toMatch(/: OK$/);
    expect(await indexSerials(dir)).toEqual([ours, theirs]);

    // openssl reads our index line as a full record: it can revoke our certificate and list it in a CRL.
    await openssl(dir, 'ca', ...config, ...PASSIN, '-revoke', oursCert);
    const crl = 'intermediate/crl/intermediate.crl.pem';
    await openssl(dir, 'ca', ...config, ...PASSIN, '-gencrl', '-out', crl);
    const crlText = await openssl(dir, 'crl', '-noout', '-text', '-in', crl);
    expect(crlText).toContain(`Serial Number: ${ours}`);
    expect(crlText).not.toContain(`Serial Number: ${theirs}`);
    const crlCheck = await tool(dir, 'openssl', [
      'crl',
      '-noout',
      '-in',
      crl,
      '-CAfile',
      'intermediate/certs/ca-chain.cert.pem',
    ]);
    expect(crlCheck.stdout + crlCheck.stderr).toContain('verify OK');
    expect((await readFile(join(dir, 'intermediate/crlnumber'), 'utf8')).trim()).toBe('1001');

    const updatedb = await tool(dir, 'openssl', ['ca', ...config, ...PASSIN, '-updatedb']);
    expect(updatedb.stderr.trim()).toBe('Using configuration from intermediate/intermediate-openssl.cnf');

    await issueNode(dir, 'broker3', 'DNS:broker3.example.com');
    const again = await serialOf(dir, await leafCert(dir, 'broker3'));
    expect(await verify(dir, await leafCert(dir, 'broker3'))).toMatch(/: OK$/);
    const serials = await indexSerials(dir);
    expect(serials).toEqual([ours, theirs, again]);
    // No duplicate, and not the serial openssl will take next (we leave serial.txt to openssl).
    expect(new Set([...serials, advanced].map(asNumber)).size).toBe(4);
    expect(await readFile(join(dir, 'intermediate/serial.txt'), 'utf8')).toBe(advanced);
    const index = await readFile(join(dir, 'intermediate/index.txt'), 'utf8');
    expect(index.split('\n').map((line) => line.slice(0, 1))).toEqual(['R', 'V', 'V', '']);
  });
});

describe('an offline root (private/ca.key.pem removed after ca init)', () => {
  it('still issues node certificates, and ca show says the root key is offline', async () => {
    const dir = ca('offline');
    await rm(join(dir, 'private/ca.key.pem'));
    await issueNode(dir, 'broker1', 'DNS:broker1.example.com');
    expect(await verify(dir, await leafCert(dir, 'broker1'))).toMatch(/: OK$/);

    const summary = JSON.parse(await deployTls('ca', 'show', '--ca-dir', dir, '--json')) as {
      rootKeyPresent: boolean;
      issued: unknown[];
    };
    expect(summary.rootKeyPresent).toBe(false);
    expect(summary.issued).toHaveLength(1);
    expect(await deployTls('ca', 'show', '--ca-dir', dir)).toContain('Root CA (key offline)');
  });
});
