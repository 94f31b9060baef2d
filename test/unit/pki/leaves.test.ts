// A leaf never writes over a file it did not create for that same leaf: the CA's own files, the
// files of an earlier certificate of the same name, and the files of a hand-made CA stay as they are.
import { X509Certificate } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { CertificateAuthority } from '../../../src/pki/ca.js';
import { caLayout } from '../../../src/pki/layout.js';
import { findLeaf, readLeafKey, SMOKE_LEAF_NAME } from '../../../src/pki/leaves.js';
import { type CaFixture, caFixture, NOW, password, snapshot } from './ca-fixture.js';

// Opening the CA derives its key-file key (PBKDF2, 600,000 iterations): seconds on a busy machine.
let fixture: CaFixture;
beforeAll(async () => {
  fixture = await caFixture();
}, 120_000);
afterAll(() => fixture?.cleanup());

const open = (dir: string, now = NOW) => CertificateAuthority.open({ dir, password, command: 'test', now });
const node = (name: string, now = NOW) => ({
  profile: 'node' as const,
  name,
  subject: { CN: `${name}.example.com` },
  sans: [{ type: 'dns' as const, value: `${name}.example.com` }],
  keyType: 'ecdsa-p256' as const,
  now,
});
const client = (name: string, now = NOW) => ({
  profile: 'client' as const,
  name,
  subject: { CN: name },
  keyType: 'ecdsa-p256' as const,
  now,
});

async function withCa<T>(dir: string, work: (ca: CertificateAuthority) => Promise<T>): Promise<T> {
  const ca = await open(dir);
  try {
    return await work(ca);
  } finally {
    await ca.close();
  }
}

describe('leaf files', { timeout: 60_000 }, () => {
  it('a second certificate of one name keeps the first one’s certificate and key', async () => {
    const dir = await fixture.fresh();
    const [first, second] = await withCa(dir, async (ca) => [
      await ca.issue(node('broker1')),
      await ca.issue(node('broker1')),
    ]);
    expect(second.certificatePath).not.toBe(first.certificatePath);
    expect(second.keyPath).not.toBe(first.keyPath);
    const kept = new X509Certificate(await readFile(first.certificatePath, 'utf8'));
    expect(kept.serialNumber.toUpperCase()).toBe(first.serial);
    const key = await readLeafKey(first.keyPath, password);
    expect(kept.checkPrivateKey(key)).toBe(true);
    expect(first.certificatePath).toBe(
      join(dir, 'intermediate', 'certs', `broker1-${first.serial}.cert.pem`),
    );
    expect(first.keyPath).toBe(join(dir, 'intermediate', 'private', `broker1-${first.serial}.key.pem`));
  });

  it.each([
    'intermediate',
    'ca',
    'ca-chain',
    'intermediate-next',
    'Intermediate',
    'intermediate-5A3F9C0D11E2',
  ])('refuses the CA role name "%s" and writes nothing', async (name) => {
    const dir = await fixture.fresh();
    const before = await snapshot(dir);
    const error = await withCa(dir, (ca) => ca.issue(node(name))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as InputError).message).toContain(`"${name}"`);
    expect((error as InputError).hint).toContain('ca, ca-chain, intermediate, intermediate-next');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses a node or client named like deploy-tls’s own client identity', async () => {
    const dir = await fixture.fresh();
    for (const request of [node(SMOKE_LEAF_NAME), client(SMOKE_LEAF_NAME)]) {
      const error = await withCa(dir, (ca) => ca.issue(request)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain(SMOKE_LEAF_NAME);
    }
    await expect(
      withCa(dir, (ca) => ca.issue({ ...client(SMOKE_LEAF_NAME), smokeIdentity: true })),
    ).resolves.toBeDefined();
  });

  it('refuses a client that shares its name with a node (and the other way round)', async () => {
    const dir = await fixture.fresh();
    await withCa(dir, (ca) => ca.issue(node('shared')));
    const before = await snapshot(dir);
    const error = await withCa(dir, (ca) => ca.issue(client('shared'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/"shared" already names a node certificate/);
    expect(await snapshot(dir)).toEqual(before);

    await withCa(dir, (ca) => ca.issue(client('app')));
    await expect(withCa(dir, (ca) => ca.issue(node('app')))).rejects.toThrow(
      /"app" already names a client certificate/,
    );
  });

  it('a file in certs/ that is not what its name says neither refuses a name nor breaks issuing', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    const app = await withCa(dir, (ca) => ca.issue(client('app')));
    // Under node broker7's names: bytes that are no certificate, and a client certificate filed
    // under a serial it does not have (a copy made by hand, or planted).
    await writeFile(layout.leafFiles('broker7', 'ABCDEF01').certificate, '\u001b[31m not a certificate');
    await writeFile(layout.leafFiles('broker7', 'ABCDEF02').certificate, await readFile(app.certificatePath));
    const issued = await withCa(dir, (ca) => ca.issue(node('broker7')));
    expect(new X509Certificate(await readFile(issued.certificatePath)).keyUsage).toContain(
      '1.3.6.1.5.5.7.3.1',
    );
  });

  it('never replaces files a hand-made CA keeps under the article’s names', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    const handMade = {
      [join(layout.intermediateDir, 'certs', 'broker1.cert.pem')]: 'the article’s certificate\n',
      [join(layout.intermediateDir, 'private', 'broker1.key.pem')]: 'the article’s key\n',
      [join(layout.intermediateDir, 'certs', 'mqtt-client.cert.pem')]: 'the article’s client\n',
      [join(layout.intermediateDir, 'private', 'mqtt-client.key.pem')]: 'the article’s client key\n',
    };
    for (const [path, text] of Object.entries(handMade)) await writeFile(path, text, { mode: 0o400 });
    await withCa(dir, async (ca) => {
      await ca.issue(node('broker1'));
      await ca.issue(client('mqtt-client'));
    });
    for (const [path, text] of Object.entries(handMade)) expect(await readFile(path, 'utf8')).toBe(text);
  });
});

describe('findLeaf', { timeout: 60_000 }, () => {
  it('finds the newest usable certificate of a name and profile, with its key', async () => {
    const dir = await fixture.fresh();
    const later = new Date(NOW.getTime() + 86_400_000);
    const [, newer] = await withCa(dir, async (ca) => [
      await ca.issue(client('app')),
      await ca.issue(client('app', later)),
      await ca.issue(client('other')),
    ]);
    const { intermediate } = await withCa(dir, async (ca) => ca);
    const found = await findLeaf(caLayout(dir), 'app', {
      profile: 'client',
      issuer: intermediate,
      now: later,
    });
    expect(found?.serial).toBe(newer?.serial);
    expect(found?.certificatePath).toBe(newer?.certificatePath);
    expect(found?.keyPath).toBe(newer?.keyPath);
    expect(await findLeaf(caLayout(dir), 'app', { profile: 'node', issuer: intermediate, now: later })).toBe(
      undefined,
    );
    expect(
      await findLeaf(caLayout(dir), 'nobody', { profile: 'client', issuer: intermediate, now: later }),
    ).toBe(undefined);
  });

  it('skips a certificate revoked in index.txt, one without its key, and one that runs out too soon', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    const [old, revoked, keyless] = await withCa(dir, async (ca) => [
      await ca.issue(client('app', at(0))),
      await ca.issue(client('app', at(1))),
      await ca.issue(client('app', at(2))),
    ]);
    const { intermediate } = await withCa(dir, async (ca) => ca);
    const index = await readFile(layout.intermediateIndex, 'utf8');
    await writeFile(
      layout.intermediateIndex,
      index.replace(
        new RegExp(`^V(\\t\\d+Z\\t)(\\t${revoked?.serial})`, 'm'),
        'R$1260302000000Z,keyCompromise$2',
      ),
    );
    await rm(keyless?.keyPath as string);
    const options = { profile: 'client' as const, issuer: intermediate, now: at(3) };
    expect((await findLeaf(layout, 'app', options))?.serial).toBe(old?.serial);
    // 375 days of validity: with 400 days asked for, none is usable.
    expect(await findLeaf(layout, 'app', { ...options, minDaysLeft: 400 })).toBe(undefined);
  });
});
