// One run at a time per CA, proven with real processes started together against a lock left behind
// by a process that no longer runs: exactly one takes it over, and every certificate they issue
// lands in index.txt and newcerts/ once, with a serial of its own.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIndex } from '../../src/pki/database.js';
import { requireBuiltCli, runCli } from '../helpers/cli.js';

const CONTENDER = fileURLToPath(new URL('./lock/contender.mjs', import.meta.url));
const CONTENDERS = 8;
const CA_PASSWORD = `lock-test-${randomBytes(8).toString('hex')}`;

let work: string;
let template: string;

beforeAll(() => {
  requireBuiltCli();
  return (async () => {
    work = await mkdtemp(join(tmpdir(), 'deploy-tls-lock-'));
    template = join(work, 'template');
    const init = runCli(['ca', 'init', '--ca-dir', template], { DEPLOY_TLS_CA_PASSWORD: CA_PASSWORD });
    expect(init.stderr).toBe('');
  })();
}, 120_000);
afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

/** A lock file as a crashed run leaves it: a process id that is no longer running, on this host. */
async function staleLock(caDir: string): Promise<void> {
  const gone = spawnSync(process.execPath, ['-e', '']).pid;
  const holder = {
    pid: gone,
    host: hostname(),
    command: 'deploy-tls (crashed)',
    since: new Date().toISOString(),
  };
  await writeFile(join(caDir, 'deploy-tls.lock'), `${JSON.stringify(holder)}\n`);
}

async function freshCa(name: string): Promise<{ caDir: string; rendezvous: string }> {
  const caDir = join(work, name);
  spawnSync('cp', ['-a', template, caDir]);
  const rendezvous = join(work, `${name}-rendezvous`);
  for (const folder of ['ready', 'refused', 'held', 'issued']) {
    await mkdir(join(rendezvous, folder), { recursive: true });
  }
  await staleLock(caDir);
  return { caDir, rendezvous };
}

/** Starts the contenders, lets them go at once, and waits for all of them. */
async function contend(
  args: string[],
  rendezvous: string,
): Promise<{ code: number | null; stderr: string }[]> {
  const children = Array.from({ length: CONTENDERS }, () =>
    spawn(process.execPath, [CONTENDER, ...args], {
      env: { PATH: process.env.PATH ?? '', CA_PASSWORD },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  const exits = children.map(
    (child) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        let stderr = '';
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
        });
        child.on('close', (code) => resolve({ code, stderr }));
      }),
  );
  const deadline = Date.now() + 60_000;
  while ((await readdir(join(rendezvous, 'ready'))).length < CONTENDERS && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await writeFile(join(rendezvous, 'go'), '');
  return Promise.all(exits);
}

describe('the CA lock', () => {
  it(`${CONTENDERS} processes take over a stale lock at once: exactly one holds it`, async () => {
    const { caDir, rendezvous } = await freshCa('race');
    const exits = await contend(['race', caDir, rendezvous, String(CONTENDERS)], rendezvous);
    expect(exits.filter((exit) => exit.code !== 0)).toEqual([]);
    const held = await readdir(join(rendezvous, 'held'));
    const refused = await readdir(join(rendezvous, 'refused'));
    expect(held, `holders: ${held.join(', ')}`).toHaveLength(1);
    expect(refused).toHaveLength(CONTENDERS - 1);
    for (const pid of refused) {
      expect(await readFile(join(rendezvous, 'refused', pid), 'utf8')).toMatch(
        /^CaError: the CA is locked by/,
      );
    }
    // The holder released it, and no takeover left a file behind.
    expect((await readdir(caDir)).filter((file) => file.startsWith('deploy-tls.lock'))).toEqual([]);
  });

  it(`${CONTENDERS} processes issuing at once: unique serials, each once in index.txt and newcerts`, async () => {
    const { caDir, rendezvous } = await freshCa('issue');
    const exits = await contend(['issue', caDir, rendezvous], rendezvous);
    expect(exits.filter((exit) => exit.code !== 0)).toEqual([]);
    const serials = await Promise.all(
      (await readdir(join(rendezvous, 'issued'))).map((pid) =>
        readFile(join(rendezvous, 'issued', pid), 'utf8'),
      ),
    );
    expect(serials).toHaveLength(CONTENDERS);
    expect(new Set(serials).size).toBe(CONTENDERS);
    const indexPath = join(caDir, 'intermediate', 'index.txt');
    const entries = parseIndex(await readFile(indexPath, 'utf8'), indexPath);
    expect(entries.map((entry) => entry.serial).sort()).toEqual([...serials].sort());
    for (const entry of entries) {
      const pem = await readFile(join(caDir, 'intermediate', 'newcerts', `${entry.serial}.pem`), 'utf8');
      expect(new X509Certificate(pem).serialNumber.toUpperCase()).toBe(entry.serial);
    }
    expect(existsSync(join(caDir, 'deploy-tls.lock'))).toBe(false);
  });
});
