// Starting a rollover checks the CA password before it writes anything, with the root key here or offline.
import { rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaError } from '../../../src/errors.js';
import { caLayout } from '../../../src/pki/layout.js';
import {
  importRolloverCertificate,
  readRolloverState,
  rolloverPaths,
  startRollover,
} from '../../../src/pki/rollover.js';
import { Secret } from '../../../src/secret.js';
import { type CaFixture, caFixture, NOW, password, snapshot } from './ca-fixture.js';

let fixture: CaFixture;
beforeAll(async () => {
  fixture = await caFixture();
}, 120_000);
afterAll(() => fixture?.cleanup());

const wrong = new Secret('not-the-ca-password', 'env DEPLOY_TLS_CA_PASSWORD');

async function failure(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

// Starting a rollover makes an RSA-4096 key: slow on a busy machine.
describe('ca rollover: the CA password', { timeout: 120_000 }, () => {
  it('with an offline root, a wrong password is refused before a key, CSR or state is written', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    await rm(layout.rootKey);
    const before = await snapshot(dir);
    const error = await failure(() => startRollover(layout, wrong, NOW));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toBe(`cannot decrypt ${layout.intermediateKey}: wrong CA password`);
    expect((error as CaError).hint).toContain('env DEPLOY_TLS_CA_PASSWORD');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('with the root key here, a wrong password is refused before the next key is written', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    const before = await snapshot(dir);
    const error = await failure(() => startRollover(layout, wrong, NOW));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toMatch(/: wrong CA password$/);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('with an offline root and the right password, writes the key, the CSR and the state', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    await rm(layout.rootKey);
    const state = await startRollover(layout, password, NOW);
    expect(state.phase).toBe('awaiting-certificate');
    expect(Object.keys(await snapshot(dir))).toEqual(
      expect.arrayContaining([
        'intermediate/private/intermediate-next.key.pem',
        'intermediate/csr/intermediate-next.csr.pem',
        'rollover.json',
      ]),
    );
    // Importing with a wrong password is a CA error too, not a crash.
    const error = await failure(() => importRolloverCertificate(layout, 'not a certificate', wrong));
    expect(error).toBeInstanceOf(CaError);
  });

  it('a corrupt rollover.json is a CA error naming it', async () => {
    const dir = await fixture.fresh();
    const layout = caLayout(dir);
    await writeFile(rolloverPaths(layout).state, '{"phase": "trus');
    const error = await failure(() => readRolloverState(layout));
    expect(error).toBeInstanceOf(CaError);
    expect(error.message).toContain(rolloverPaths(layout).state);
  });
});
