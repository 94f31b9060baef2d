// deploy-tls's own client certificate: issued once into the CA under its reserved name, found again
// with findLeaf, and a name nobody else may issue under.
import { X509Certificate } from 'node:crypto';
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { CertificateAuthority } from '../../../src/pki/ca.js';
import { caLayout } from '../../../src/pki/layout.js';
import { SMOKE_LEAF_NAME } from '../../../src/pki/leaves.js';
import { readSmokeIdentity, smokeIdentity } from '../../../src/smoke/identity.js';
import { type CaFixture, caFixture, NOW, password } from '../pki/ca-fixture.js';

let fixture: CaFixture;
beforeAll(async () => {
  fixture = await caFixture();
}, 120_000);
afterAll(() => fixture?.cleanup());

async function withCa<T>(dir: string, work: (ca: CertificateAuthority) => Promise<T>): Promise<T> {
  const ca = await CertificateAuthority.open({ dir, password, command: 'test', now: NOW });
  try {
    return await work(ca);
  } finally {
    await ca.close();
  }
}

const serialOf = (pemChain: string) => new X509Certificate(pemChain).serialNumber.toUpperCase();

describe('the smoke identity', { timeout: 60_000 }, () => {
  it('is issued once under its own serial-named files, then read back from them', async () => {
    const dir = await fixture.fresh();
    expect(await readSmokeIdentity(dir, password, NOW)).toBe(undefined);
    const issued = await withCa(dir, (ca) => smokeIdentity(ca, password, NOW));
    const again = await withCa(dir, (ca) => smokeIdentity(ca, password, NOW));
    expect(serialOf(again.cert)).toBe(serialOf(issued.cert));
    const read = await readSmokeIdentity(dir, password, NOW);
    expect(read?.cert).toBe(issued.cert);
    expect(read?.key).toBe(issued.key);
    const serial = serialOf(issued.cert);
    const files = caLayout(dir).leafFiles(SMOKE_LEAF_NAME, serial);
    expect(issued.cert.startsWith(await readFile(files.certificate, 'utf8'))).toBe(true);
  });

  it('is issued anew when the one it has runs out within 30 days', async () => {
    const dir = await fixture.fresh();
    const first = await withCa(dir, (ca) => smokeIdentity(ca, password, NOW));
    const later = new Date(NOW.getTime() + 350 * 86_400_000); // 375-day certificate, 25 days left
    const renewed = await withCa(dir, (ca) => smokeIdentity(ca, password, later));
    expect(serialOf(renewed.cert)).not.toBe(serialOf(first.cert));
    expect(serialOf((await readSmokeIdentity(dir, password, later))?.cert as string)).toBe(
      serialOf(renewed.cert),
    );
  });

  it('is still read where an earlier version kept it (the unsuffixed names), without writing', async () => {
    const dir = await fixture.fresh();
    const issued = await withCa(dir, (ca) => smokeIdentity(ca, password, NOW));
    const files = caLayout(dir).leafFiles(SMOKE_LEAF_NAME, serialOf(issued.cert));
    const legacy = join(caLayout(dir).intermediateDir, 'certs', `${SMOKE_LEAF_NAME}.cert.pem`);
    const legacyKey = join(caLayout(dir).intermediateDir, 'private', `${SMOKE_LEAF_NAME}.key.pem`);
    await cp(files.certificate, legacy);
    await cp(files.key, legacyKey);
    await rm(files.certificate);
    await rm(files.key);
    expect((await readSmokeIdentity(dir, password, NOW))?.cert).toBe(issued.cert);
  });

  it('has a name no other certificate may be issued under', async () => {
    const dir = await fixture.fresh();
    const error = await withCa(dir, (ca) =>
      ca.issue({ profile: 'client', name: SMOKE_LEAF_NAME, subject: { CN: SMOKE_LEAF_NAME }, now: NOW }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain(
      `"${SMOKE_LEAF_NAME}" is reserved for deploy-tls's own client certificate`,
    );
  });
});
