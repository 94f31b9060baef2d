// Where the sandbox keeps its state: one git-ignored folder at the repo root, one subfolder per node.
// Every other module asks this one for paths, so the layout is described once.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths every node sees as its own, through bind mounts in its mount namespace. */
export const MOUNT_POINTS = { ssl: '/etc/ssl/hivemq', home: '/opt/hivemq' } as const;

export const MQTT_PORT = 1883;
export const MQTT_TLS_PORT = 8883;
export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_NODES = 3;
/** <net>.1 .. <net>.254: the whole 127/8 routes to lo on Linux, so no interface setup is needed. */
export const MAX_NODES = 254;

/**
 * The first three octets of the fleet's addresses (default 127.0.1). DEPLOY_TLS_SANDBOX_NET=127.0.2
 * gives a second checkout on the same machine a fleet of its own: nodes bind by address, so two
 * fleets on different nets never collide.
 */
export function sandboxNet(env: NodeJS.ProcessEnv = process.env): string {
  const net = env.DEPLOY_TLS_SANDBOX_NET ?? '127.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(net) || net.split('.').some((octet) => Number(octet) > 255)) {
    throw new Error(`DEPLOY_TLS_SANDBOX_NET="${net}" is not three octets of 127.0.0.0/8, e.g. 127.0.2`);
  }
  return net;
}

/** The address of host `index` (1..254) on the sandbox's net. */
export function sandboxAddress(index: number): string {
  return `${sandboxNet()}.${index}`;
}
export const HOST_DOMAIN = 'deploy-tls.test';

export interface SandboxLayout {
  repoRoot: string;
  state: string;
  cache: string;
  /** HiveMQ CE and its runtime dependencies, reused across `up`s. */
  hivemqLib: string;
  launcherClasses: string;
  configXsd: string;
  sshKey: string;
  authorizedKeys: string;
  knownHosts: string;
  inventory: string;
  pkiDir: string;
  nodesDir: string;
  /** Sources that ship with the repo: pom.xml, Launcher.java, logback.xml, hivemq-service.sh. */
  hivemqSources: string;
}

export interface NodeLayout {
  index: number;
  name: string;
  host: string;
  address: string;
  dir: string;
  /** Host folder bind-mounted at /etc/ssl/hivemq inside the node. */
  sslDir: string;
  /** Host folder bind-mounted at /opt/hivemq inside the node. */
  homeDir: string;
  holderPidFile: string;
  holderLog: string;
  sshdConfig: string;
  sshdPidFile: string;
  sshdLog: string;
  hostKey: string;
  /** Written by hivemq-service inside the node as /opt/hivemq/hivemq.pid. */
  brokerPidFile: string;
}

const repoRootOf = (): string => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sandboxLayout(repoRoot: string = repoRootOf()): SandboxLayout {
  const state = path.join(repoRoot, '.sandbox');
  const cache = path.join(state, 'cache');
  return {
    repoRoot,
    state,
    cache,
    hivemqLib: path.join(cache, 'hivemq-lib'),
    launcherClasses: path.join(cache, 'launcher'),
    configXsd: path.join(cache, 'config.xsd'),
    sshKey: path.join(state, 'id_ed25519'),
    authorizedKeys: path.join(state, 'authorized_keys'),
    knownHosts: path.join(state, 'known_hosts'),
    inventory: path.join(state, 'inventory.yaml'),
    pkiDir: path.join(state, 'pki'),
    nodesDir: path.join(state, 'nodes'),
    hivemqSources: path.join(repoRoot, 'scripts', 'sandbox', 'hivemq'),
  };
}

export function nodeLayout(layout: SandboxLayout, index: number): NodeLayout {
  const name = `broker${index}`;
  const dir = path.join(layout.nodesDir, name);
  const homeDir = path.join(dir, 'opt-hivemq');
  return {
    index,
    name,
    host: `${name}.${HOST_DOMAIN}`,
    address: sandboxAddress(index),
    dir,
    sslDir: path.join(dir, 'etc-ssl-hivemq'),
    homeDir,
    holderPidFile: path.join(dir, 'holder.pid'),
    holderLog: path.join(dir, 'holder.log'),
    sshdConfig: path.join(dir, 'ssh', 'sshd_config'),
    sshdPidFile: path.join(dir, 'ssh', 'sshd.pid'),
    sshdLog: path.join(dir, 'ssh', 'sshd.log'),
    hostKey: path.join(dir, 'ssh', 'ssh_host_ed25519_key'),
    brokerPidFile: path.join(homeDir, 'hivemq.pid'),
  };
}
