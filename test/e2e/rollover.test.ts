// Intermediate rollover on the sandbox with an offline root: deploy-tls writes a CSR, the real
// `openssl ca` signs it with the root key kept elsewhere, and the fleet moves to the new
// intermediate in three phases while a client holding an old-intermediate certificate keeps
// connecting during the overlap.
import { existsSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/sandbox/processes.js';
import { nodes, run } from './support/fleet.js';
import { resetToPlain } from './support/reset.js';
import { workspace } from './support/workspace.js';

const { work, caDir, deployTls, initCa, issueClient, ok, secrets, writeInventory } = workspace('rollover');
const oldClient = path.join(work, 'old-client');
const newClient = path.join(work, 'new-client');
const offlineRootKey = path.join(work, 'offline', 'ca.key.pem');
let inventory: string;

/** mosquitto_pub presenting only its leaf certificate: the broker must know the intermediate. */
function publish(address: string, bundle: string, name: string) {
  return run(
    'mosquitto_pub',
    [
      '-h',
      address,
      '-p',
      '8883',
      '--cafile',
      path.join(bundle, 'ca-chain.cert.pem'),
      '--cert',
      path.join(bundle, `${name}.cert.pem`),
      '--key',
      path.join(bundle, `${name}.key.pem`),
      '-t',
      'deploy-tls-e2e/rollover',
      '-m',
      'hi',
      '-q',
      '1',
    ],
    { timeoutMs: 20_000 },
  );
}

/** The CN of the intermediate a node serves (depth 1 of the chain). */
async function servedIntermediate(address: string): Promise<string> {
  const result = await run(
    'openssl',
    [
      's_client',
      '-connect',
      `${address}:8883`,
      '-showcerts',
      '-cert',
      path.join(newClient, 'new-client.cert.pem'),
      '-key',
      path.join(newClient, 'new-client.key.pem'),
    ],
    { timeoutMs: 20_000 },
  );
  return (
    /^ 1 s:.*CN ?= ?([^,\n]+)/m.exec(result.stdout)?.[1]?.trim() ??
    `(no chain) ${result.stdout.slice(0, 200)}`
  );
}

beforeAll(async () => {
  await resetToPlain(nodes);
  await initCa('/C=DE/O=Rollover');
  await issueClient('old-client');
  inventory = writeInventory('inventory.yaml');
  await ok(['--inventory', inventory]);
  // The root key goes offline: the rollover must work without it on this machine.
  await run('mkdir', ['-p', path.dirname(offlineRootKey)]);
  renameSync(path.join(caDir, 'private', 'ca.key.pem'), offlineRootKey);
}, 300_000);

describe('deploy-tls ca rollover', () => {
  it('with an offline root, writes a CSR that the real openssl ca signs', async () => {
    const start = await deployTls(['ca', 'rollover', '--inventory', inventory]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('The root key is offline');
    const csr = path.join(caDir, 'intermediate', 'csr', 'intermediate-next.csr.pem');
    expect(existsSync(csr)).toBe(true);
    const signed = await run(
      'openssl',
      [
        'ca',
        '-config',
        path.join(caDir, 'ca-openssl.cnf'),
        '-extensions',
        'v3_intermediate_ca',
        '-days',
        '3650',
        '-notext',
        '-md',
        'sha256',
        '-batch',
        '-passin',
        'env:DEPLOY_TLS_CA_PASSWORD',
        '-keyfile',
        offlineRootKey,
        '-in',
        csr,
        '-out',
        path.join(work, 'next.cert.pem'),
      ],
      { env: { ...process.env, ...secrets } },
    );
    expect(signed.code, signed.stderr).toBe(0);
  });

  it('trusts both, and a plain rotation while paused keeps both (the overlap clients rely on)', async () => {
    const trusted = await deployTls(
      [
        'ca',
        'rollover',
        '--inventory',
        inventory,
        '--certificate',
        path.join(work, 'next.cert.pem'),
        '--until',
        'trusted',
      ],
      400_000,
    );
    expect(trusted.code, `${trusted.stdout}\n${trusted.stderr}`).toBe(0);
    expect(trusted.stdout).toContain('stopped after phase "trusted"');
    const rotated = await deployTls(['rotate', '--inventory', inventory, '--force'], 400_000);
    expect(rotated.code, `${rotated.stdout}\n${rotated.stderr}`).toBe(0);
    expect(rotated.stdout).not.toContain('truststore'); // no truststore change: it already holds both
    // HiveMQ re-reads keystores within 10 s; the old intermediate's client is still accepted.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    for (const n of nodes) {
      const old = await publish(n.address, oldClient, 'old-client');
      expect(old.code, `${n.name}: ${old.stderr}`).toBe(0);
    }
  });

  it('re-issues from the new intermediate, resumes after a stop between the swap renames, and old clients still connect', async () => {
    const killed = await deployTls(
      ['ca', 'rollover', '--inventory', inventory, '--until', 'reissued'],
      400_000,
      {
        DEPLOY_TLS_FAULT: 'swapping',
      },
    );
    expect(killed.code).not.toBe(0);
    const result = await deployTls(
      ['ca', 'rollover', '--inventory', inventory, '--until', 'reissued'],
      400_000,
    );
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('stopped after phase "reissued"');
    await issueClient('new-client');
    for (const n of nodes) {
      expect(await servedIntermediate(n.address)).toMatch(/^Rollover Intermediate CA \d{8}T\d{6}Z$/);
      const old = await publish(n.address, oldClient, 'old-client');
      expect(old.code, `${n.name}: ${old.stderr}`).toBe(0);
      expect((await publish(n.address, newClient, 'new-client')).code).toBe(0);
    }
  });

  it('resumes and drops the old intermediate: old-intermediate clients are refused, new ones connect', async () => {
    const result = await deployTls(['ca', 'rollover', '--inventory', inventory], 400_000);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('rollover done');
    expect(existsSync(path.join(caDir, 'rollover.json'))).toBe(false);
    for (const n of nodes) {
      // HiveMQ re-reads the truststore within 10 s.
      await waitFor(
        `${n.name} to refuse the old intermediate`,
        async () => ((await publish(n.address, oldClient, 'old-client')).code !== 0 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );
      expect((await publish(n.address, newClient, 'new-client')).code).toBe(0);
    }
    const verify = await deployTls(['verify', '--inventory', inventory]);
    expect(verify.code, verify.stdout).toBe(0);
    const show = JSON.parse((await deployTls(['ca', 'show', '--ca-dir', caDir, '--json'])).stdout);
    expect(show.intermediate.subject).toMatch(/CN=Rollover Intermediate CA \d{8}T\d{6}Z$/);
    // The archived old pair is the old one: the resumed swap never wrote over it.
    const archived = readdirSync(path.join(caDir, 'intermediate', 'private')).filter((f) =>
      /^intermediate-[0-9A-F]+\.key\.pem$/.test(f),
    );
    expect(archived).toHaveLength(1);
    const serial = /^intermediate-([0-9A-F]+)\.key\.pem$/.exec(archived[0] as string)?.[1] as string;
    const publicKey = async (args: string[]) =>
      (await run('openssl', args, { env: { ...process.env, ...secrets } })).stdout;
    expect(
      await publicKey([
        'pkey',
        '-pubout',
        '-passin',
        'env:DEPLOY_TLS_CA_PASSWORD',
        '-in',
        path.join(caDir, 'intermediate', 'private', `intermediate-${serial}.key.pem`),
      ]),
    ).toBe(
      await publicKey([
        'x509',
        '-noout',
        '-pubkey',
        '-in',
        path.join(caDir, 'intermediate', 'certs', `intermediate-${serial}.cert.pem`),
      ]),
    );
    expect(show.rootKeyPresent).toBe(false);
  });
});
