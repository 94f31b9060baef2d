// `deploy-tls status`: per node and TLS listener what is deployed, what is served and how long it
// lasts, what the node's truststore trusts; the CA's own days left. Read-only: the rollout's gather
// step (one SSH probe per node) and one TLS handshake per listener.
import { X509Certificate } from 'node:crypto';
import { readClientCertificate } from '../bundles/clients.js';
import { readTlsListeners } from '../hivemq/config.js';
import type { Inventory, InventoryClient, InventoryNode } from '../inventory/load.js';
import { caLayout, inspectCa } from '../pki/index.js';
import type { CertificateSummary } from '../pki/inspect.js';
import { type LedgerEntry, lastDeployed, readLedger } from '../pki/ledger.js';
import type { NodeFacts } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/target.js';
import { readTrust } from '../rollout/ca.js';
import { type ConnectedNode, disconnect, gather } from '../rollout/gather.js';
import { selectTargets } from '../rollout/targets.js';
import type { SecretResolver } from '../secret.js';
import type { RendererName } from '../tasks/stage.js';

const DAY_MS = 86_400_000;

/** One TLS listener of one node: a node with several listeners has several rows. */
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
  /** The subjects of what the node's truststore makes HiveMQ trust (all its listeners share it). */
  trusts?: string[];
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
    const read = gathered.nodes.flatMap((connected) => statusRows(connected, ledger, now));
    const failed = gathered.failed.flatMap((failure) =>
      failure.target.node.tls.listeners.map(
        (listener): NodeStatusRow => ({
          node: failure.target.node.name,
          ...where(failure.target.node, listener),
          sans: [],
          servedIsRecorded: false,
          listener: 'unknown',
          problem: failure.error.message,
        }),
      ),
    );
    // In the inventory's order, whichever nodes answered; each node's listeners in its order.
    const nodes = targets.flatMap((target) =>
      [...read, ...failed].filter((row) => row.node === target.node.name),
    );
    const clients = await Promise.all(inventory.clients.map(clientCertificate));
    return {
      ok: nodes.every((row) => row.listener === 'reachable'),
      nodes,
      intermediateDaysLeft: ca.intermediate.daysLeft,
      rootDaysLeft: ca.root.daysLeft,
      ca: { root: ca.root, intermediate: ca.intermediate },
      clients: clients.map((client) => client.row),
      warnings: [
        ...warnings(inventory, nodes, ca.intermediate.daysLeft),
        ...gathered.nodes.flatMap(({ target, facts }) => trustWarnings(target.node, facts, clients)),
      ],
    };
  } finally {
    await disconnect(gathered.nodes);
  }
}

/** One row per TLS listener of the node: all share its keystore and truststore. */
function statusRows(
  { target, facts }: ConnectedNode,
  ledger: ReadonlyMap<string, LedgerEntry>,
  now: Date,
): NodeStatusRow[] {
  const { node } = target;
  const cert = facts.keystore.certificate;
  const recorded = ledger.get(node.name);
  const configured = facts.configXml ? readTlsListeners(facts.configXml) : [];
  return node.tls.listeners.map((listener): NodeStatusRow => {
    const fact = facts.served?.find((s) => s.name === listener.name)?.served;
    const served =
      fact?.kind === 'serial'
        ? { serial: fact.serial, notAfter: fact.notAfter, listener: 'reachable' }
        : {
            serial: undefined,
            notAfter: undefined,
            listener: fact?.kind === 'unknown' ? fact.reason : 'unreachable',
          };
    const inConfig = configured.find((c) => c.type === listener.type && c.name === listener.name);
    return {
      node: node.name,
      ...where(node, listener),
      serial: cert?.serial,
      sans: cert?.sans ?? [],
      notAfter: cert?.notAfter.toISOString(),
      daysLeft: cert ? Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS) : undefined,
      served: served.serial,
      servedNotAfter: served.notAfter?.toISOString(),
      servedIsRecorded: served.serial !== undefined && served.serial === recorded?.serial,
      clientAuth: inConfig?.clientAuthenticationMode,
      listener: served.listener,
      trusts: facts.truststore.opens ? facts.truststore.anchors.map((a) => a.subject) : undefined,
      lastChange: recorded
        ? { time: recorded.time, result: recorded.result, action: recorded.action }
        : undefined,
      problem: facts.pending
        ? `a change started ${facts.pending.started} was never confirmed: run the rollout (or rotate) again to finish it`
        : facts.keystore.problem,
    };
  });
}

function where(
  node: InventoryNode,
  listener: InventoryNode['tls']['listeners'][number],
): Pick<NodeStatusRow, 'listenerName' | 'endpoint'> {
  const path = listener.type === 'websocket' ? (listener.path ?? '') : '';
  return {
    listenerName: listener.name,
    endpoint: `${listener.type === 'websocket' ? 'wss://' : ''}${node.address}:${listener.port}${path}`,
  };
}

interface ClientCertificate {
  client: InventoryClient;
  row: ClientStatusRow;
  cert?: X509Certificate;
}

/** What the truststore warnings read of a node and of a client bundle. */
export type TrustedNode = Pick<InventoryNode, 'name'> & { tls: { listeners: readonly { name: string }[] } };
export type ClientIssuer = { client: Pick<InventoryClient, 'name'>; cert?: X509Certificate };

/**
 * A broker refuses a client certificate whose issuer its truststore does not hold (the article:
 * the client truststore "only" needs the intermediate): say so for every client bundle the
 * inventory lists, naming the node's listeners, before an application finds out.
 */
export function trustWarnings(
  node: TrustedNode,
  facts: Pick<NodeFacts, 'truststore' | 'stores'>,
  clients: readonly ClientIssuer[],
): string[] {
  const { truststore } = facts;
  const listeners = node.tls.listeners.map((l) => l.name).join(', ');
  const at = `${node.name} (${listeners})`;
  if (!truststore.exists)
    return clients.length > 0 ? [`${at}: no truststore at ${facts.stores.truststore}`] : [];
  if (!truststore.opens)
    return [`${at}: the truststore ${facts.stores.truststore} does not open with the inventory's password`];
  const anchors = truststore.anchors.map((a) => new X509Certificate(a.der));
  return clients.flatMap(({ client, cert }) => {
    if (!cert) return [];
    const trusted = anchors.some((anchor) => cert.checkIssued(anchor) && cert.verify(anchor.publicKey));
    return trusted
      ? []
      : [
          `${at}: the truststore ${facts.stores.truststore} does not hold the issuer of client ${client.name} (${issuerName(cert)}): the broker refuses that client's certificate`,
        ];
  });
}

function issuerName(cert: X509Certificate): string {
  return /(?:^|\n)CN=(.+)/.exec(cert.issuer)?.[1] ?? cert.issuer.split('\n').join(', ');
}

async function clientCertificate(client: InventoryClient): Promise<ClientCertificate> {
  const row = { name: client.name, out: client.out };
  try {
    const cert = await readClientCertificate(client);
    if (!cert) return { client, row: { ...row, problem: 'no bundle yet' } };
    return {
      client,
      cert,
      row: {
        ...row,
        serial: cert.serialNumber.toUpperCase(),
        notAfter: new Date(cert.validTo).toISOString(),
      },
    };
  } catch (error) {
    return { client, row: { ...row, problem: (error as Error).message } };
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
      found.push(
        `${row.node} serves ${row.served} on ${row.listenerName}, which the ledger does not record as deployed there`,
      );
  }
  return found;
}
