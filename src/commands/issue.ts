// `issue node`, `issue client` and `issue --inventory`: open the CA, issue, write bundles locally.
import { join } from 'node:path';
import {
  type BundleRequest,
  type BundleResult,
  clientIssueRequest,
  issueClientBundle,
  issueNodeBundle,
  nodeIssueRequest,
} from '../bundles/issue.js';
import type { Inventory } from '../inventory/load.js';
import { storePasswords } from '../keystore/index.js';
import { CertificateAuthority, formatSan } from '../pki/index.js';
import { KeyQueue } from '../rollout/keys.js';
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
 * bundles), written locally for nodes deploy-tls cannot reach. The keys are made on all cores
 * (libuv's thread pool) from the start, while the CA opens; signing stays one at a time in the CA.
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
  // Every key is asked for now, in order: they are made on all cores while the CA opens.
  const keys = new KeyQueue<string>();
  for (const { node } of targets) keys.key(`node:${node.name}`, node.tls.key);
  for (const { client } of clients) keys.key(`client:${client.name}`, client.key);
  try {
    return await withCa({ caDir: inventory.ca.dir, caPassword, now }, 'issue --inventory', async (ca) => {
      // Every certificate is checked before the first is issued, as a rollout does: one bad node
      // (a lifetime past the intermediate's, a name taken by a client) fails the run with exit 2
      // before any bundle is written or any serial is used.
      for (const { node } of targets)
        await ca.check(
          nodeIssueRequest(ca, {
            name: node.name,
            sans: node.sans.map(formatSan),
            keyType: node.tls.key,
            days: node.tls.days,
            now,
          }),
        );
      for (const { client } of clients)
        await ca.check(
          clientIssueRequest(ca, { name: client.name, keyType: client.key, days: client.days, now }),
        );
      const nodes = targets.map(async ({ node, passwords }) => ({
        name: node.name,
        ...(await issueNodeBundle(ca, {
          name: node.name,
          sans: node.sans.map(formatSan),
          keyType: node.tls.key,
          key: await keys.key(`node:${node.name}`, node.tls.key),
          days: node.tls.days,
          format: node.tls.keystore.format,
          passwords,
          out: join(options.out, 'nodes', node.name),
          now,
        })),
      }));
      const bundles = clients.map(async ({ client, passwords }) => ({
        name: client.name,
        ...(await issueClientBundle(ca, {
          name: client.name,
          keyType: client.key,
          key: await keys.key(`client:${client.name}`, client.key),
          days: client.days,
          format: 'jks',
          passwords,
          out: join(options.out, 'clients', client.name),
          now,
          plainKey: false,
          plainKeyBeside: client.plainKey, // as the rollout writes the inventory's client bundles
        })),
      }));
      // Every issue ends before the CA closes (and its lock goes), the ones after a failure too.
      await Promise.allSettled([...nodes, ...bundles]);
      return { nodes: await Promise.all(nodes), clients: await Promise.all(bundles) };
    });
  } finally {
    keys.drop(); // a refused run makes no more keys
  }
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
