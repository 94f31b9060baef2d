// Private keys as ssh-keygen writes them: ed25519, ecdsa and RSA, plain and passphrase-protected.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeys, protectedKeyWithoutPassphrase } from '../../src/remote/builtin.js';
import type { ConnectionPlan, Hop } from '../../src/remote/target.js';
import { Secret } from '../../src/secret.js';

const dir = mkdtempSync(path.join(tmpdir(), 'deploy-tls-keys-'));

/** ssh-keygen reads a new passphrase from stdin when it has no terminal (setsid drops it). */
function keygen(name: string, type: string, passphrase = ''): string {
  const file = path.join(dir, name);
  execFileSync('setsid', ['ssh-keygen', '-q', '-t', type, '-f', file, '-C', name], {
    input: `${passphrase}\n${passphrase}\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  return file;
}

const hop = (identityFiles: string[]): Hop => ({
  label: 'broker1',
  alias: 'broker1',
  hostname: '10.0.0.11',
  port: 22,
  user: 'root',
  identityFiles,
  certificateFiles: [],
  identitiesOnly: false,
});
const plan = (identityFiles: string[], passphrase?: string): ConnectionPlan => ({
  node: 'broker1',
  transport: 'builtin',
  jumps: [],
  target: hop(identityFiles),
  knownHosts: [],
  acceptNewHostKeys: false,
  become: false,
  ...(passphrase === undefined ? {} : { passphrase: new Secret(passphrase, 'file key.pass') }),
  readyTimeoutMs: 1000,
});

describe('ssh keys', () => {
  const ed25519 = keygen('id_ed25519', 'ed25519');
  const ecdsa = keygen('id_ecdsa', 'ecdsa');
  const rsa = keygen('id_rsa', 'rsa', 'correct horse');

  it('reads plain ed25519 and ecdsa keys, and a protected RSA key with its passphrase', async () => {
    const keys = await loadKeys(
      plan([ed25519, ecdsa, rsa, path.join(dir, 'missing')], 'correct horse'),
      hop([]),
    );
    expect(keys).toEqual([]); // the hop given has no files: loadKeys reads the hop's, not the plan's
    const all = await loadKeys(
      plan([], 'correct horse'),
      hop([ed25519, ecdsa, rsa, path.join(dir, 'missing')]),
    );
    expect(all.map((key) => path.basename(key.path))).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa']);
  });

  it('a protected key without or with a wrong passphrase is a clear input error', async () => {
    await expect(loadKeys(plan([]), hop([rsa]))).rejects.toThrow(
      `${rsa} is protected by a passphrase and none was given`,
    );
    await expect(loadKeys(plan([], 'wrong'), hop([rsa]))).rejects.toThrow(
      `the passphrase (file key.pass) does not open ${rsa}`,
    );
  });

  it('finds the key to ask a passphrase for (a terminal prompt), only when none is given', async () => {
    expect(await protectedKeyWithoutPassphrase(plan([ed25519, rsa]))).toBe(rsa);
    expect(await protectedKeyWithoutPassphrase(plan([ed25519]))).toBeUndefined();
    expect(await protectedKeyWithoutPassphrase(plan([rsa], 'correct horse'))).toBeUndefined();
  });
});
