// Opening a CA checks what it is about to sign with; issuing checks every input before it writes.
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaError, InputError } from '../../../src/errors.js';
import { CertificateAuthority, type IssueRequest, initCa, randomSerial } from '../../../src/pki/ca.js';
import { parseCertificatePem, signCertificate } from '../../../src/pki/certificate.js';
import { decryptPrivateKeyPem, generateKey, plainPrivateKeyPem } from '../../../src/pki/keys.js';
import { caLayout } from '../../../src/pki/layout.js';
import { validity } from '../../../src/pki/profiles.js';
import { Secret } from '../../../src/secret.js';
import { type CaFixture, caFixture, NOW, password, snapshot } from './ca-fixture.js';

const execFileAsync = promisify(execFile);

// Opening the CA derives its key-file key (PBKDF2, 600,000 iterations): seconds on a busy machine.
let fixture: CaFixture;
beforeAll(async () => {
  fixture = await caFixture();
}, 120_000);
afterAll(() => fixture?.cleanup());

const open = (dir: string, secret = password) =>
  CertificateAuthority.open({ dir, password: secret, command: 'test', now: NOW });

async function failure(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

async function issueOnce(dir: string, request: Partial<IssueRequest>) {
  const ca = await open(dir);
  try {
    return await ca.issue({
      profile: 'node',
      name: 'broker1',
      subject: { CN: 'broker1.example.com' },
      sans: [{ type: 'dns', value: 'broker1.example.com' }],
      keyType: 'ecdsa-p256',
      now: NOW,
      ...request,
    });
  } finally {
    await ca.close();
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Replaces the intermediate certificate with one for the same key, made as `make` says. */
async function replaceIntermediate(
  dir: string,
  make: (parts: Awaited<ReturnType<typeof caParts>>) => ReturnType<typeof signCertificate>,
) {
  const parts = await caParts(dir);
  const layout = caLayout(dir);
  await writeFile(layout.intermediateCert, (await make(parts)).toString('pem'));
}

async function caParts(dir: string) {
  const layout = caLayout(dir);
  const root = parseCertificatePem(await readFile(layout.rootCert, 'utf8'));
  const intermediate = parseCertificatePem(await readFile(layout.intermediateCert, 'utf8'));
  const rootKey = decryptPrivateKeyPem(await readFile(layout.rootKey, 'utf8'), password);
  const interKey = decryptPrivateKeyPem(await readFile(layout.intermediateKey, 'utf8'), password);
  return { root, intermediate, rootKey, interKey };
}

describe('creating a CA', { timeout: 60_000 }, () => {
  it('refuses a CA password shorter than 12 characters, and creates nothing', async () => {
    const dir = join(await fixture.fresh(), 'new-ca');
    const error = await failure(() =>
      initCa({ dir, password: new Secret('short-pw', 'env DEPLOY_TLS_CA_PASSWORD'), subject: {}, now: NOW }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'the CA password from env DEPLOY_TLS_CA_PASSWORD has 8 characters: a new CA needs at least 12',
    );
    expect(await exists(dir)).toBe(false);
  });
});

describe('opening a CA', { timeout: 60_000 }, () => {
  it('refuses an intermediate certificate that is no CA certificate (CA:FALSE)', async () => {
    const dir = await fixture.fresh();
    await replaceIntermediate(dir, ({ root, rootKey, interKey }) =>
      signCertificate({
        profile: 'client',
        subject: { O: 'Fixture', CN: 'not a CA' },
        publicKey: createPublicKey(interKey),
        signingKey: rootKey,
        issuer: root,
        serial: randomSerial(),
        ...validity(NOW, 100),
      }),
    );
    const error = await failure(() => open(dir));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toBe(
      `${caLayout(dir).intermediateCert} is not a CA certificate (basicConstraints CA:TRUE is missing)`,
    );
    expect((error as CaError).hint).toContain('newcerts/');
    expect(await exists(caLayout(dir).lock)).toBe(false);
  });

  it('refuses an intermediate that names the root as issuer but was signed by another key', async () => {
    const dir = await fixture.fresh();
    await replaceIntermediate(dir, async ({ root, interKey }) => {
      const impostor = await generateKey('ecdsa-p256');
      return signCertificate({
        profile: 'intermediate',
        subject: { O: 'Fixture', CN: 'Impostor Intermediate' },
        publicKey: createPublicKey(interKey),
        signingKey: impostor.privateKey,
        issuer: root, // the root's name (and key id), not its signature
        serial: randomSerial(),
        ...validity(NOW, 100),
      });
    });
    const error = await failure(() => open(dir));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toBe(
      `${caLayout(dir).intermediateCert} was not issued by the root ${caLayout(dir).rootCert}`,
    );
  });

  it('refuses an intermediate key stored unencrypted, whatever password is given', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    const key = decryptPrivateKeyPem(await readFile(layout.intermediateKey, 'utf8'), password);
    await writeFile(layout.intermediateKey, plainPrivateKeyPem(key));
    const error = await failure(() => open(dir, new Secret('any password at all', 'test')));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toContain(`${layout.intermediateKey} is not encrypted`);
    expect((error as CaError).hint).toContain(`openssl pkey -in ${layout.intermediateKey} -aes256`);
    expect(await exists(layout.lock)).toBe(false);
  });

  it('a corrupt intermediate certificate is a CA error naming the file', async () => {
    const dir = await fixture.fresh();
    await writeFile(caLayout(dir).intermediateCert, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n');
    const error = await failure(() => open(dir));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toBe(`${caLayout(dir).intermediateCert} does not hold a PEM certificate`);
  });

  it('a corrupt index.txt is a CA error naming the file and line, before anything is issued', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    await writeFile(layout.intermediateIndex, 'V\t99999999999999999Z\t\t0A\tunknown\t/CN=x\n');
    const before = await snapshot(dir);
    const error = await failure(() => issueOnce(dir, {}));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toContain(`${layout.intermediateIndex}:1: the expiry`);
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('issuing checks every input before it writes', { timeout: 60_000 }, () => {
  it('refuses a leaf that would outlive the intermediate, saying by how much and what is allowed', async () => {
    const dir = await fixture.fresh();
    const before = await snapshot(dir);
    // The fixture's intermediate was made at NOW for 3650 days.
    const error = await failure(() => issueOnce(dir, { days: 5000 }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'a certificate of 5000 days would outlive the issuing intermediate CA (valid until 2036-02-27) by 1350 days',
    );
    expect((error as InputError).hint).toContain('ask for at most 3650 days');
    expect(await snapshot(dir)).toEqual(before);
    await expect(issueOnce(dir, { days: 3650 })).resolves.toBeDefined();
  });

  it('refuses 10000000 days (a certificate no clock can read) and writes nothing', async () => {
    const dir = await fixture.fresh();
    const before = await snapshot(dir);
    const error = await failure(() => issueOnce(dir, { days: 10_000_000 }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(
      /would outlive the issuing intermediate CA \(valid until 2036-02-27\) by 9996350 days$/,
    );
    expect(await snapshot(dir)).toEqual(before);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s days and writes nothing', async (days) => {
    const dir = await fixture.fresh();
    const before = await snapshot(dir);
    const error = await failure(() => issueOnce(dir, { days }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).hint).toBe('give a whole number of days from 1 to 3650');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('check() refuses what issue() would, and issues nothing either way', async () => {
    const dir = await fixture.fresh();
    const before = await snapshot(dir);
    const ca = await open(dir);
    try {
      const request: IssueRequest = {
        profile: 'client',
        name: 'app',
        subject: { CN: 'app' },
        keyType: 'ecdsa-p256',
        now: NOW,
      };
      await expect(ca.check({ ...request, name: 'intermediate' })).rejects.toThrow(InputError);
      await expect(ca.check({ ...request, days: 4000 })).rejects.toThrow(/would outlive/);
      const checked = await ca.check(request);
      expect(checked.range.notAfter.getTime() - checked.range.notBefore.getTime()).toBe(
        (375 * 1440 + 5) * 60_000,
      );
    } finally {
      await ca.close();
    }
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses an invalid SAN handed in as a value, and writes nothing', async () => {
    const dir = await fixture.fresh();
    const before = await snapshot(dir);
    const error = await failure(() =>
      issueOnce(dir, {
        sans: [
          { type: 'dns', value: 'broker1.example.com' },
          { type: 'dns', value: 'a b' },
        ],
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('"a b" is not a DNS name');
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('revoking', { timeout: 60_000 }, () => {
  it('marks the certificate revoked in index.txt so that openssl ca agrees, and leaves the others valid', async () => {
    const dir = await fixture.fresh();
    const first = await issueOnce(dir, { name: 'broker1' });
    const second = await issueOnce(dir, { name: 'broker2', subject: { CN: 'broker2.example.com' } });
    const ca = await open(dir);
    try {
      await ca.revoke(first.serial, 'cessationOfOperation', NOW);
    } finally {
      await ca.close();
    }
    const index = caLayout(dir).intermediateIndex;
    const config = join(dir, 'status.cnf');
    await writeFile(config, `[ca]\ndefault_ca = d\n[d]\ndatabase = ${index}\nunique_subject = no\n`);
    const status = async (serial: string) => {
      // openssl ca -status exits 1 even when it answers; the answer is on stderr.
      const result = await execFileAsync('openssl', ['ca', '-config', config, '-status', serial]).catch(
        (error: { stdout: string; stderr: string }) => error,
      );
      return result.stdout + result.stderr;
    };
    expect(await status(first.serial)).toContain('=Revoked (R)');
    expect(await status(second.serial)).toContain('=Valid (V)');
    expect(await readFile(index, 'utf8')).toMatch(/^R\t\d{12}Z\t260301120000Z,cessationOfOperation\t/m);
  });

  it('refuses a serial the CA never issued, and changes nothing', async () => {
    const dir = await fixture.fresh();
    await issueOnce(dir, {});
    const before = await snapshot(dir);
    const ca = await open(dir);
    try {
      await expect(ca.revoke('0123ABCD', 'superseded', NOW)).rejects.toThrow(
        /no valid certificate with serial/,
      );
    } finally {
      await ca.close();
    }
    expect(await snapshot(dir)).toEqual(before);
  });
});
