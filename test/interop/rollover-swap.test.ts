// The intermediate swap of `ca rollover` stopped between its renames and run again: the CA opens
// with a matching pair, and the archived old pair is still the old one (it was once overwritten
// with the new key by a resumed run). No fleet needed: the swap is the CA's own business.

import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FaultPoint } from '../../src/faults.js';
import { readCaKey } from '../../src/pki/ca.js';
import { CertificateAuthority, caLayout, initCa } from '../../src/pki/index.js';
import {
  activateNextIntermediate,
  nextSubject,
  rolloverPaths,
  startRollover,
} from '../../src/pki/rollover.js';
import { Secret } from '../../src/secret.js';

const password = new Secret('rollover-swap-password', 'test');
const now = new Date('2026-11-27T10:00:00Z');

class Stopped extends Error {}

describe('ca rollover: the swap of intermediates', () => {
  it('stopped between the renames, a second run finishes it and keeps the old pair archived', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'deploy-tls-swap-')), 'pki');
    const layout = caLayout((await initCa({ dir, password, subject: { O: 'Swap' }, now })).dir);
    const oldCert = new X509Certificate(readFileSync(layout.intermediateCert));
    const state = { ...(await startRollover(layout, password, now)), phase: 'trusted' as const };

    const stop = async (point: FaultPoint) => {
      if (point === 'swapping') throw new Stopped(point);
    };
    await expect(activateNextIntermediate(layout, state, stop)).rejects.toBeInstanceOf(Stopped);
    // Half way: the new key is in place, the old certificate still is.
    await expect(CertificateAuthority.open({ dir, password, command: 'test', now })).rejects.toThrow(
      /does not belong to/,
    );

    await activateNextIntermediate(layout, state);
    const ca = await CertificateAuthority.open({ dir, password, command: 'test', now });
    await ca.close();
    expect(new X509Certificate(readFileSync(layout.intermediateCert)).serialNumber).not.toBe(
      oldCert.serialNumber,
    );
    const paths = rolloverPaths(layout);
    const archivedKey = await readCaKey(paths.archivedKey(state.oldSerial), password);
    const spki = (key: ReturnType<typeof createPublicKey>) =>
      key.export({ type: 'spki', format: 'der' }).toString('hex');
    expect(spki(createPublicKey(archivedKey))).toBe(spki(oldCert.publicKey));
    expect(new X509Certificate(readFileSync(paths.archivedCert(state.oldSerial))).fingerprint256).toBe(
      oldCert.fingerprint256,
    );
  });

  it('gives every new intermediate a subject of its own, down to the second', () => {
    const first = nextSubject({ O: 'Swap', CN: 'Swap Intermediate CA' }, now);
    const second = nextSubject(first, new Date(now.getTime() + 1_000));
    expect(first.CN).toBe('Swap Intermediate CA 20261127T100000Z');
    expect(second.CN).toBe('Swap Intermediate CA 20261127T100001Z');
    expect(nextSubject({ CN: 'Old CA 20250101' }, now).CN).toBe('Old CA 20261127T100000Z');
  });
});
