// up / down / status for the whole fleet. The only module that knows the order of things:
// machine prerequisites, then per node namespace → sshd → broker, then the files for users.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DeployTlsError } from '../../src/errors.js';
import { ensureAuditKey } from './audit.js';
import { brokerPid, startBroker, stopBroker, waitUntilServing, writeBrokerHome } from './broker.js';
import { ensureHiveMQ } from './hivemq-jars.js';
import { writeInventory, writeKnownHosts } from './inventory.js';
import {
  DEFAULT_SSH_PORT,
  MAX_NODES,
  MQTT_PORT,
  MQTT_TLS_PORT,
  type NodeLayout,
  nodeLayout,
  type SandboxLayout,
  sandboxLayout,
} from './layout.js';
import { holderPid, startHolder, stopHolder } from './namespace.js';
import { installMissing, requireRoot } from './prerequisites.js';
import { mqttAccepts, portIsFree, sshGreets, tcpAnswers } from './probes.js';
import { cmdlineOf, isAlive, mountNamespaceOf, residentKiB, terminate } from './processes.js';
import { reachDown } from './reach.js';
import { ensureClientKey, sshdPid, startSshd, stopSshd, writeSshdFiles } from './sshd.js';

export type Log = (line: string) => void;

export interface UpOptions {
  nodes: number;
  sshPort?: number;
  log?: Log;
  layout?: SandboxLayout;
}

/** What `up` chose, kept so `status` and `down` know the port without flags. */
export interface SavedSettings {
  nodes: number;
  sshPort: number;
}

const settingsFile = (layout: SandboxLayout) => path.join(layout.state, 'sandbox.json');

export function savedSettings(layout: SandboxLayout): SavedSettings | undefined {
  try {
    return JSON.parse(readFileSync(settingsFile(layout), 'utf8')) as SavedSettings;
  } catch {
    return undefined;
  }
}

/** Every node folder `up` ever made, so `down` finds nodes a smaller `up` left behind. */
function knownNodes(layout: SandboxLayout): NodeLayout[] {
  if (!existsSync(layout.nodesDir)) return [];
  return readdirSync(layout.nodesDir)
    .map((name) => /^broker(\d+)$/.exec(name)?.[1])
    .filter((index): index is string => index !== undefined)
    .map((index) => nodeLayout(layout, Number(index)))
    .sort((a, b) => a.index - b.index);
}

async function requireFree(node: NodeLayout, port: number, what: string, ours: boolean): Promise<void> {
  if (ours || (await portIsFree(node.address, port))) return;
  throw new DeployTlsError(
    `${node.address}:${port} is already in use by another process (wanted for the ${what})`,
    {
      node: node.name,
      hint: `find it with \`ss -ltnp 'sport = :${port}'\` and stop it${what === 'sshd' ? ', or choose another --ssh-port' : ''}`,
    },
  );
}

export async function up(options: UpOptions): Promise<{ nodes: NodeLayout[]; sshPort: number }> {
  const log = options.log ?? (() => {});
  const layout = options.layout ?? sandboxLayout();
  const saved = savedSettings(layout);
  const sshPort = options.sshPort ?? saved?.sshPort ?? DEFAULT_SSH_PORT;
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > MAX_NODES) {
    throw new DeployTlsError(`--nodes must be 1..${MAX_NODES}, got ${options.nodes}`);
  }
  requireRoot();
  mkdirSync(layout.cache, { recursive: true });
  await installMissing(log);
  await ensureHiveMQ(layout, log);
  await ensureClientKey(layout);
  await ensureAuditKey(layout);

  const nodes = Array.from({ length: options.nodes }, (_, i) => nodeLayout(layout, i + 1));
  if (saved !== undefined && saved.sshPort !== sshPort) {
    // sshd reads its config once: a new port needs a new sshd.
    for (const node of nodes) await stopSshd(node);
  }
  // Check every address first, so a taken port fails `up` before anything starts.
  for (const node of nodes) {
    await requireFree(node, sshPort, 'sshd', sshdPid(node) !== undefined);
    await requireFree(node, MQTT_PORT, 'MQTT listener', brokerPid(node) !== undefined);
  }

  const started: NodeLayout[] = [];
  for (const node of nodes) {
    await writeBrokerHome(layout, node);
    await writeSshdFiles(layout, node, sshPort);
    const holder = await startHolder(node);
    await startSshd(node, holder, sshPort);
    if (brokerPid(node) === undefined) {
      await startBroker(node, holder);
      started.push(node);
    }
  }
  if (started.length > 0) log(`starting HiveMQ on ${started.map((node) => node.name).join(', ')}`);
  // JVMs start in parallel; wait for all of them.
  await Promise.all(started.map((node) => waitUntilServing(node)));

  const extras = knownNodes(layout).filter(
    (node) => node.index > options.nodes && (holderPid(node) !== undefined || brokerPid(node) !== undefined),
  );
  if (extras.length > 0)
    log(`stopping ${extras.map((node) => node.name).join(', ')} (beyond --nodes ${options.nodes})`);
  await Promise.all(extras.map((node) => stopNode(node, log)));

  writeKnownHosts(layout, nodes, sshPort);
  writeInventory(layout, nodes, sshPort);
  writeFileSync(settingsFile(layout), `${JSON.stringify({ nodes: options.nodes, sshPort }, null, 2)}\n`);
  return { nodes, sshPort };
}

/** Processes still inside the node's namespace (ssh sessions, a broker started by hand). */
function processesInNamespace(namespace: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && mountNamespaceOf(pid) === namespace);
}

async function stopNode(node: NodeLayout, log: Log): Promise<void> {
  const holder = holderPid(node);
  await stopBroker(node, holder);
  await stopSshd(node);
  if (holder === undefined) return;
  const namespace = mountNamespaceOf(holder);
  // Only processes that entered through our sshd or nsenter can be in this namespace; as long as
  // any is alive the node's bind mounts stay, so they go too.
  for (const pid of namespace === undefined ? [] : processesInNamespace(namespace)) {
    if (pid === holder || !isAlive(pid)) continue;
    log(`${node.name}: ending ${pid} (${cmdlineOf(pid).slice(0, 60)}) left in its namespace`);
    await terminate(pid, 5_000);
  }
  await stopHolder(node);
}

export async function down(options: { log?: Log; layout?: SandboxLayout } = {}): Promise<void> {
  const log = options.log ?? (() => {});
  const layout = options.layout ?? sandboxLayout();
  requireRoot();
  // In parallel: HiveMQ takes about 4 s to shut down cleanly, and nodes are independent.
  await Promise.all([...knownNodes(layout).map((node) => stopNode(node, log)), reachDown(layout)]);
}

export interface NodeStatus {
  name: string;
  address: string;
  holderPid: number | undefined;
  sshdPid: number | undefined;
  sshListening: boolean;
  brokerPid: number | undefined;
  mqtt: boolean;
  mqttTls: boolean;
  brokerRssMiB: number | undefined;
}

export async function status(options: { layout?: SandboxLayout } = {}): Promise<NodeStatus[]> {
  const layout = options.layout ?? sandboxLayout();
  const saved = savedSettings(layout);
  const sshPort = saved?.sshPort ?? DEFAULT_SSH_PORT;
  // Folders of nodes a bigger `up` made stay behind; list them only while something of theirs runs.
  const listed = knownNodes(layout).filter(
    (node) =>
      node.index <= (saved?.nodes ?? 0) || holderPid(node) !== undefined || brokerPid(node) !== undefined,
  );
  return Promise.all(
    listed.map(async (node) => {
      const broker = brokerPid(node);
      const rss = broker === undefined ? undefined : residentKiB(broker);
      return {
        name: node.name,
        address: node.address,
        holderPid: holderPid(node),
        sshdPid: sshdPid(node),
        sshListening: await sshGreets(node.address, sshPort),
        brokerPid: broker,
        mqtt: await mqttAccepts(node.address, MQTT_PORT),
        mqttTls: await tcpAnswers(node.address, MQTT_TLS_PORT),
        brokerRssMiB: rss === undefined ? undefined : Math.round(rss / 1024),
      };
    }),
  );
}
