// The things bench:pki times, each building the same PKI: a Root and an Intermediate CA
// (RSA-4096), `nodes` broker keystores and one client bundle (RSA-2048 leaves).
import { execFile } from 'node:child_process';
import { generateKeyPair } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { issueClientBundle, issueNodeBundle } from '../../src/bundles/issue.js';
import { storePasswords } from '../../src/keystore/index.js';
import { CertificateAuthority, generateKey, initCa } from '../../src/pki/index.js';
import type { Secret } from '../../src/secret.js';
import { articleCreateCa, articleIssueClient, articleIssueServer } from '../article/procedure.js';

export interface Workload {
  dir: string;
  nodes: number;
  password: Secret;
}

const nodeName = (i: number) => `broker${i + 1}`;
const nodeSans = (i: number) => [`DNS:${nodeName(i)}.example.com`, `IP:10.0.0.${i + 1}`];
const CLIENT = 'mqtt-client';

/**
 * deploy-tls in process. Both cores work from the start: the leaf keys are generated on libuv's
 * pool while initCa generates and signs the CA pair, then one open CA issues every node at once
 * with its key ready (signing and index.txt updates are quick and serialised inside the CA).
 */
export async function ours({ dir, nodes, password }: Workload): Promise<void> {
  const now = new Date();
  const leafKeys = Array.from({ length: nodes + 1 }, () => generateKey('rsa-2048'));
  const caDir = join(dir, 'ca');
  await initCa({ dir: caDir, password, subject: { C: 'DE', O: 'Bench', OU: 'Operations' }, now });
  const ca = await CertificateAuthority.open({ dir: caDir, password, command: 'bench:pki', now });
  const common = {
    keyType: 'rsa-2048',
    format: 'jks',
    passwords: storePasswords('jks', { keystore: password }),
    now,
  } as const;
  try {
    const issued = leafKeys.map(async (pending, i) => {
      const key = await pending;
      const out = join(dir, 'out', i < nodes ? nodeName(i) : CLIENT);
      return i < nodes
        ? issueNodeBundle(ca, { ...common, name: nodeName(i), sans: nodeSans(i), out, key })
        : issueClientBundle(ca, { ...common, name: CLIENT, plainKey: false, out, key });
    });
    await Promise.all(issued);
  } finally {
    await ca.close();
  }
  await expectCount(join(dir, 'out'), nodes + 1);
}

const BIN = fileURLToPath(new URL('../../dist/cli/bin.cjs', import.meta.url));
const run = promisify(execFile);

/**
 * deploy-tls as an operator runs it for nodes it cannot reach: two processes, `ca init` and
 * `issue --inventory` (every node's keystore and truststore, and the client bundle, at once).
 */
export async function cliBatch({ dir, nodes, password }: Workload): Promise<void> {
  const inventory = join(dir, 'inventory.yaml');
  const nodeLines = Array.from(
    { length: nodes },
    (_, i) =>
      `  - { name: ${nodeName(i)}, host: ${nodeName(i)}.example.com, sans: [${nodeSans(i).join(', ')}] }`,
  );
  await writeFile(
    inventory,
    [
      'ca: { dir: ./ca, password: { env: DEPLOY_TLS_CA_PASSWORD }, subject: { C: DE, O: Bench, OU: Operations } }',
      'defaults:',
      '  tls:',
      '    keystore: { password: { env: HIVEMQ_KEYSTORE_PASSWORD } }',
      '    truststore: { password: { env: HIVEMQ_KEYSTORE_PASSWORD } }',
      `clients: [{ name: ${CLIENT}, password: { env: CLIENT_BUNDLE_PASSWORD } }]`,
      'nodes:',
      ...nodeLines,
      '',
    ].join('\n'),
  );
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    DEPLOY_TLS_CA_PASSWORD: password.reveal(),
    HIVEMQ_KEYSTORE_PASSWORD: password.reveal(),
    // A client bundle's password is its own (the inventory refuses one without).
    CLIENT_BUNDLE_PASSWORD: `client-${password.reveal()}`,
  };
  await run(process.execPath, [BIN, 'ca', 'init', '--inventory', inventory], { cwd: dir, env });
  await run(process.execPath, [BIN, 'issue', '--inventory', inventory, '--out', 'out'], { cwd: dir, env });
  await expectCount(join(dir, 'out', 'nodes'), nodes);
  await expectCount(join(dir, 'out', 'clients'), 1);
}

/** The article's procedure as a person runs it: one command after another. */
export async function article({ dir, nodes, password }: Workload): Promise<void> {
  const caDir = join(dir, 'ca');
  const keystores = join(dir, 'keystores');
  await articleCreateCa(caDir, password);
  for (let i = 0; i < nodes; i++) {
    await articleIssueServer(caDir, nodeName(i), nodeSans(i), password, keystores);
  }
  await articleIssueClient(caDir, CLIENT, password, keystores);
  await expectCount(keystores, nodes + 1);
}

const generate = promisify(generateKeyPair);

/** The floor: the same keys (2 × RSA-4096, nodes + 1 × RSA-2048), all at once, nothing else. */
export async function bareKeys({ nodes }: Workload): Promise<void> {
  const bits = [4096, 4096, ...Array.from({ length: nodes + 1 }, () => 2048)];
  await Promise.all(bits.map((modulusLength) => generate('rsa', { modulusLength, publicExponent: 0x10001 })));
}

/** A cheap guard against timing a run that silently produced nothing. */
async function expectCount(dir: string, expected: number): Promise<void> {
  const found = (await readdir(dir)).length;
  if (found !== expected) throw new Error(`${dir} holds ${found} entries, expected ${expected}`);
}
