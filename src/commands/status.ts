// `deploy-tls status`: per node what is deployed, what is served and how long it lasts; the CA's
// own days left. Read-only: the rollout's gather step (one SSH probe per node) and one TLS
// handshake per node.
import { readClientCertificate } from '../bundles/clients.js';
import { readTlsListener } from '../hivemq/config.js';
import type { Inventory, InventoryClient, InventoryNode } from '../inventory/load.js';
import { caLayout, inspectCa } from '../pki/index.js';
import type { CertificateSummary } from '../pki/inspect.js';
import { type LedgerEntry, lastDeployed, readLedger } from '../pki/ledger.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/target.js';
import { readTrust } from '../rollout/ca.js';
import { type ConnectedNode, disconnect, gather } from '../rollout/gather.js';
import { selectTargets } from '../rollout/targets.js';
import type { SecretResolver } from '../secret.js';
import type { RendererName } from '../tasks/stage.js';

const DAY_MS = 86_400_000;

export interface NodeStatusRow {
  node: string;
  /** The TLS listener's name in config.xml, and where it was probed (address:port). */
  listenerName: string;
  endpoint: string;
  serial?: string;
  sans: string[];
  notAfter?: string;
  daysLeft?: number;
  served?: string;
  /** notAfter of what the listener served (ISO), whichever certificate that was. */
  servedNotAfter?: string;
  servedIsRecorded: boolean;
  clientAuth?: string;
  listener: string; // "reachable" or the failure class
  lastChange?: { time: string; result: string; action: string };
  problem?: string;
}

export interface StatusReport {
  /** Every node was read and serves TLS. */
  ok: boolean;
  nodes: NodeStatusRow[];
  intermediateDaysLeft: number;
  rootDaysLeft: number;
  ca: { root: CertificateSummary; intermediate: CertificateSummary };
  /** The inventory's client bundles as their cert.pem files say. */
  clients: ClientStatusRow[];
  warnings: string[];
}

export interface ClientStatusRow {
  name: string;
  out: string;
  serial?: string;
  notAfter?: string;
  problem?: string;
}

export async function status(
  options: {
    inventory: Inventory;
    /** `--limit` patterns; every node when absent. */
    limit?: readonly string[];
    concurrency: number;
    renderer: RendererName;
    acceptNewHostKeys: boolean;
  },
  deps: { connect(target: SshTarget): Promise<Remote>; resolveSecret: SecretResolver; now(): Date },
): Promise<StatusReport> {
  const { inventory } = options;
  const now = deps.now();
  const layout = caLayout(inventory.ca.dir);
  const ca = await inspectCa(layout.dir, now);
  const ledger = lastDeployed(await readLedger(layout.dir));
  const targets = await selectTargets(
    inventory,
    options.limit,
    deps.resolveSecret,
    options.acceptNewHostKeys,
  );
  const trust = await readTrust(layout.dir, undefined);
  const gathered = await gather(
    targets,
    {
      concurrency: options.concurrency,
      renderer: options.renderer,
      intermediate: trust.intermediate,
      chainPem: trust.chainPem,
    },
    deps.connect,
  );
  try {
    const read = gathered.nodes.map((connected) => statusRow(connected, ledger, now));
    const failed = gathered.failed.map(
      (failure): NodeStatusRow => ({
        node: failure.target.node.name,
        ...where(failure.target.node),
        sans: [],
        servedIsRecorded: false,
        listener: 'unknown',
        problem: failure.error.message,
      }),
    );
    // In the inventory's order, whichever nodes answered.
    const byName = new Map([...read, ...failed].map((row) => [row.node, row]));
    const nodes = targets.flatMap((target) => byName.get(target.node.name) ?? []);
    return {
      ok: nodes.every((row) => row.listener === 'reachable'),
      nodes,
      intermediateDaysLeft: ca.intermediate.daysLeft,
      rootDaysLeft: ca.root.daysLeft,
      ca: { root: ca.root, intermediate: ca.intermediate },
      clients: await Promise.all(inventory.clients.map(clientRow)),
      warnings: warnings(inventory, nodes, ca.intermediate.daysLeft),
    };
  } finally {
    await disconnect(gathered.nodes);
  }
}

function statusRow(
  { target, facts }: ConnectedNode,
  ledger: ReadonlyMap<string, LedgerEntry>,
  now: Date,
): NodeStatusRow {
  const { node } = target;
  const cert = facts.keystore.certificate;
  const listener = facts.configXml ? readTlsListener(facts.configXml, node.tls.listener.name) : undefined;
  const served =
    facts.served?.kind === 'serial'
      ? { serial: facts.served.serial, notAfter: facts.served.notAfter, listener: 'reachable' }
      : {
          serial: undefined,
          notAfter: undefined,
          listener: facts.served?.kind === 'unknown' ? facts.served.reason : 'unreachable',
        };
  const recorded = ledger.get(node.name);
  return {
    node: node.name,
    ...where(node),
    serial: cert?.serial,
    sans: cert?.sans ?? [],
    notAfter: cert?.notAfter.toISOString(),
    daysLeft: cert ? Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS) : undefined,
    served: served.serial,
    servedNotAfter: served.notAfter?.toISOString(),
    servedIsRecorded: served.serial !== undefined && served.serial === recorded?.serial,
    clientAuth: listener?.clientAuthenticationMode,
    listener: served.listener,
    lastChange: recorded
      ? { time: recorded.time, result: recorded.result, action: recorded.action }
      : undefined,
    problem: facts.pending
      ? `a change started ${facts.pending.started} was never confirmed: run the rollout (or rotate) again to finish it`
      : facts.keystore.problem,
  };
}

function where(node: InventoryNode): Pick<NodeStatusRow, 'listenerName' | 'endpoint'> {
  return { listenerName: node.tls.listener.name, endpoint: `${node.address}:${node.tls.listener.port}` };
}

async function clientRow(client: InventoryClient): Promise<ClientStatusRow> {
  const row = { name: client.name, out: client.out };
  try {
    const cert = await readClientCertificate(client);
    if (!cert) return { ...row, problem: 'no bundle yet' };
    return {
      ...row,
      serial: cert.serialNumber.toUpperCase(),
      notAfter: new Date(cert.validTo).toISOString(),
    };
  } catch (error) {
    return { ...row, problem: (error as Error).message };
  }
}

function warnings(inventory: Inventory, nodes: NodeStatusRow[], intermediateDaysLeft: number): string[] {
  const found: string[] = [];
  const longestLeaf = Math.max(...inventory.nodes.map((n) => n.tls.days));
  if (intermediateDaysLeft < longestLeaf) {
    found.push(
      `the intermediate expires in ${intermediateDaysLeft} days, before a ${longestLeaf}-day certificate issued now would: roll over to a new intermediate`,
    );
  }
  for (const row of nodes) {
    if (row.served && !row.servedIsRecorded)
      found.push(`${row.node} serves ${row.served}, which the ledger does not record as deployed there`);
  }
  return found;
}
