// ca show (and status, which reads the CA the same way) on a damaged CA directory: a named error
// for a damaged database line, and the rest of the CA still shown for a damaged certificate file.
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaError } from '../../../src/errors.js';
import { CertificateAuthority } from '../../../src/pki/ca.js';
import { inspectCa } from '../../../src/pki/inspect.js';
import { caLayout } from '../../../src/pki/layout.js';
import { type CaFixture, caFixture, NOW, password } from './ca-fixture.js';

let fixture: CaFixture;
beforeAll(async () => {
  fixture = await caFixture();
}, 120_000);
afterAll(() => fixture?.cleanup());

async function issueTwo(dir: string) {
  const ca = await CertificateAuthority.open({ dir, password, command: 'test', now: NOW });
  try {
    const client = (name: string) =>
      ca.issue({ profile: 'client', name, subject: { CN: name }, keyType: 'ecdsa-p256', now: NOW });
    return [await client('one'), await client('two')];
  } finally {
    await ca.close();
  }
}

describe('inspecting a CA', { timeout: 60_000 }, () => {
  it('a newcerts file that does not parse is shown from index.txt, and the others as before', async () => {
    const dir = await fixture.fresh();
    const [one, two] = await issueTwo(dir);
    await writeFile(caLayout(dir).newcert('intermediate', one?.serial as string), 'garbage\n');
    const summary = await inspectCa(dir, NOW);
    expect(summary.issued.map((c) => [c.serial, c.key])).toEqual([
      [one?.serial, '?'],
      [two?.serial, 'EC prime256v1'],
    ]);
    expect(summary.issued[0]?.notAfter).toBe(one?.certificate.notAfter.toISOString());
  });

  it('an index line with a date from a certificate of ten million days is a CA error naming the line', async () => {
    const dir = await fixture.fresh();
    await issueTwo(dir);
    const layout = caLayout(dir);
    const lines = (await readFile(layout.intermediateIndex, 'utf8')).split('\n');
    // What earlier versions wrote for --days 10000000: a six-digit year with a sign.
    lines[1] = (lines[1] as string).replace(/^V\t\d+Z/, 'V\t+02940512231126Z');
    await writeFile(layout.intermediateIndex, lines.join('\n'));
    const error = await inspectCa(dir, NOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaError);
    expect((error as CaError).message).toBe(
      `${layout.intermediateIndex}:2: the expiry "+02940512231126Z" is not a date`,
    );
  });
});
