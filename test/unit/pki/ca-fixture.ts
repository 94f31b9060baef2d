// One real CA per test file (two RSA-4096 keys are slow), copied afresh for every test that changes it.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa } from '../../../src/pki/ca.js';
import { Secret } from '../../../src/secret.js';

export const NOW = new Date('2026-03-01T12:00:00Z');
export const password = new Secret(`fixture-${randomBytes(8).toString('hex')}`, 'test');

export interface CaFixture {
  /** A fresh copy of the CA, for one test. */
  fresh(): Promise<string>;
  cleanup(): Promise<void>;
}

export async function caFixture(): Promise<CaFixture> {
  const work = await mkdtemp(join(tmpdir(), 'deploy-tls-pki-'));
  const template = join(work, 'template');
  await initCa({ dir: template, password, subject: { C: 'DE', O: 'Fixture' }, now: NOW });
  let copies = 0;
  return {
    async fresh() {
      const dir = join(work, `ca-${++copies}`);
      await cp(template, dir, { recursive: true });
      return dir;
    },
    cleanup: () => rm(work, { recursive: true, force: true }),
  };
}

/** Relative path → content of every file below dir: proof that a refused call wrote nothing. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if ((await stat(path)).isFile()) files[path.slice(dir.length + 1)] = await readFile(path, 'base64');
  }
  return files;
}
