// `issue node`, `issue client` and `issue --inventory`: open the CA, issue, write bundles locally.
import { join } from 'node:path';
import {
  type BundleRequest,
  type BundleResult,
  issueClientBundle,
  issueNodeBundle,
} from '../bundles/issue.js';
import type { Inventory } from '../inventory/load.js';
import { storePasswords } from '../keystore/index.js';
import { CertificateAuthority, formatSan, generateKey } from '../pki/index.js';
import { selectTargets } from '../rollout/targets.js';
import type { Secret, SecretResolver } from '../secret.js';

export interface CaAccess {
  caDir: string;
  caPassword: Secret;
  now: Date;
}

export function issueNode(
  options: CaAccess & BundleRequest & { sans: readonly string[] },
): Promise<BundleResult> {
  return withCa(options, 'issue node', (ca) => issueNodeBundle(ca, options));
}

export function issueClient(
  options: CaAccess & BundleRequest & { plainKey: boolean },
): Promise<BundleResult> {
  return withCa(options, 'issue client', (ca) => issueClientBundle(ca, options));
}

export interface FleetIssueOptions {
  inventory: Inventory;
  /** `--limit` patterns; every node (and the inventory's clients) when absent. */
  limit?: readonly string[];
  /** Node bundles go to <out>/nodes/<name>, client bundles to <out>/clients/<name>. */
  out: string;
  resolveSecret: SecretResolver;
  now: Date;
}

export interface FleetIssueResult {
  nodes: (BundleResult & { name: string })[];
  clients: (BundleResult & { name: string })[];
}

/**
 * Every selected node's keystore and truststore (and, without --limit, the inventory's client
 * bundles), written locally for nodes deploy-tls cannot reach. Every key is generated at once, on
 * libuv's thread pool (all cores), while the CA is opened; signing stays one at a time in the CA.
 */
export async function issueFleet(options: FleetIssueOptions): Promise<FleetIssueResult> {
  const { inventory, resolveSecret, now } = options;
  const targets = await selectTargets(inventory, options.limit, resolveSecret, false);
  // A limited run leaves the client bundles alone, as a limited rollout does.
  const clients = await Promise.all(
    (options.limit?.length ? [] : inventory.clients).map(async (client) => ({
      client,
      passwords: storePasswords('jks', {
        keystore: await resolveSecret(client.password, `client ${client.name}: keystore password`),
      }),
    })),
  );
  const caPassword = await resolveSecret(inventory.ca.password, 'CA password');
  const keys = [...targets.map((t) => t.node.tls.key), ...clients.map((c) => c.client.key)].map((type) => {
    const key = generateKey(type);
    key.catch(() => undefined); // awaited below, unless the CA does not open
    return key;
  });
  const keyOf = (i: number) => keys[i] as (typeof keys)[number];
  return withCa({ caDir: inventory.ca.dir, caPassword, now }, 'issue --inventory', async (ca) => {
    const nodes = targets.map(async ({ node, passwords }, i) => ({
      name: node.name,
      ...(await issueNodeBundle(ca, {
        name: node.name,
        sans: node.sans.map(formatSan),
        keyType: node.tls.key,
        key: await keyOf(i),
        days: node.tls.days,
        format: node.tls.keystore.format,
        passwords,
        out: join(options.out, 'nodes', node.name),
        now,
      })),
    }));
    const bundles = clients.map(async ({ client, passwords }, i) => ({
      name: client.name,
      ...(await issueClientBundle(ca, {
        name: client.name,
        keyType: client.key,
        key: await keyOf(targets.length + i),
        days: client.days,
        format: 'jks',
        passwords,
        out: join(options.out, 'clients', client.name),
        now,
        plainKey: false,
      })),
    }));
    // Every issue ends before the CA closes (and its lock goes), the ones after a failure too.
    await Promise.allSettled([...nodes, ...bundles]);
    return { nodes: await Promise.all(nodes), clients: await Promise.all(bundles) };
  });
}

async function withCa<T>(
  access: CaAccess,
  command: string,
  work: (ca: CertificateAuthority) => Promise<T>,
): Promise<T> {
  const ca = await CertificateAuthority.open({
    dir: access.caDir,
    password: access.caPassword,
    command,
    now: access.now,
  });
  try {
    return await work(ca);
  } finally {
    await ca.close();
  }
}
