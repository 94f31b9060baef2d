// From what the inventory asks for a node's SSH to the connection plan a transport carries out:
// every hop (jump hosts, then the node) with its address, user, keys, and the known_hosts all of
// them are checked against. Precedence, per value: the inventory, then the OpenSSH config, then
// deploy-tls's built-in defaults (user root, port 22, ~/.ssh/id_ed25519, ~/.ssh/known_hosts).
import type { Secret } from '../secret.js';
import { formatHop, type JumpHop, parseProxyJump } from './jump.js';
import type { SshConfigValues } from './ssh-config.js';

export type Transport = 'builtin' | 'openssh';

/** The inventory's ssh block as the loader hands it over (paths already expanded); undefined = not set. */
export interface SshSettingsInput {
  host?: string;
  user?: string;
  port?: number;
  privateKey?: string;
  knownHosts?: string;
  /** OpenSSH ProxyJump syntax, or "none". */
  proxyJump?: string;
  /** A file, or "none"; undefined: ~/.ssh/config when it exists. */
  configFile?: string;
  transport: Transport;
  become: boolean;
  /** Authenticate with ssh-agent at agentSocket (the caller's SSH_AUTH_SOCK). */
  agent: boolean;
  agentSocket?: string;
}

/** The ssh settings of one node with what the run adds to them. Built by sshTarget(). */
export interface SshTarget extends Omit<SshSettingsInput, 'host'> {
  node: string;
  /** The name looked up in the ssh config and connected to: ssh.host, else the node's address. */
  host: string;
  /** The node's address (MQTT connects there); SSH goes to `host`. */
  address: string;
  /** For passphrase-protected keys; revealed only when a key is decrypted or given to ssh. */
  passphrase?: Secret;
  /** Given to `sudo -S` on stdin when become is set and sudo asks for a password. */
  becomePassword?: Secret;
  acceptNewHostKeys: boolean;
  readyTimeoutMs?: number;
}

/** Inventory node → SshTarget: what the rollout passes to connect(). Pure. */
export function sshTarget(
  node: { name: string; address: string; ssh: SshSettingsInput },
  secrets: { passphrase?: Secret; becomePassword?: Secret },
  acceptNewHostKeys: boolean,
): SshTarget {
  const { ssh } = node;
  return {
    node: node.name,
    host: ssh.host ?? node.address,
    address: node.address,
    ...defined({
      user: ssh.user,
      port: ssh.port,
      privateKey: ssh.privateKey,
      knownHosts: ssh.knownHosts,
      proxyJump: ssh.proxyJump,
      configFile: ssh.configFile,
      agentSocket: ssh.agentSocket,
      passphrase: secrets.passphrase,
      becomePassword: secrets.becomePassword,
    }),
    transport: ssh.transport,
    become: ssh.become,
    agent: ssh.agent,
    acceptNewHostKeys,
  };
}

/** "root@10.0.0.11:22 via bastion1" before the config is read: for progress lines. */
export function describeTarget(target: SshTarget): string {
  const via = target.proxyJump && target.proxyJump !== 'none' ? ` via ${target.proxyJump}` : '';
  return `${formatHop({ host: target.host, user: target.user, port: target.port })}${via}`;
}

export interface Hop {
  /** Names the hop in messages: "jump host bastion1" or the node's name. */
  label: string;
  /** The name it was given (config alias, host name or address). */
  alias: string;
  hostname: string;
  port: number;
  user: string;
  /** Keys to offer, in order; a missing file is skipped, as ssh does. */
  identityFiles: string[];
  /** User certificates (…-cert.pub): the openssh transport offers them. */
  certificateFiles: string[];
  identitiesOnly: boolean;
  agentSocket?: string;
}

export interface ConnectionPlan {
  node: string;
  transport: Transport;
  /** Jump hosts, first connected first. */
  jumps: Hop[];
  target: Hop;
  /** Every hop is checked strictly against these; accept-new records into the first. */
  knownHosts: string[];
  acceptNewHostKeys: boolean;
  become: boolean;
  passphrase?: Secret;
  becomePassword?: Secret;
  readyTimeoutMs: number;
}

/** What ~ and %d, %u, %i, %l mean on this machine: read once at the edge. */
export interface LocalContext {
  home: string;
  user: string;
  uid: number;
  hostname: string;
}

export const BUILTIN_SSH = {
  user: 'root',
  port: 22,
  privateKey: '~/.ssh/id_ed25519',
  knownHosts: '~/.ssh/known_hosts',
} as const;

export const READY_TIMEOUT_MS = 15_000;
/** A ProxyJump of a jump host may name another one; ssh has no limit, loops are ours to stop. */
export const MAX_JUMPS = 8;

export class ConnectionPlanError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** No config at all: what ssh -G would print with an empty config, minus ssh's own defaults. */
export function noConfig(host: string): SshConfigValues {
  return {
    hostname: host,
    identityFiles: [],
    certificateFiles: [],
    identitiesOnly: false,
    strictHostKeyChecking: 'ask',
  };
}

/** The config may make checking stricter, never weaker (ssh_config(5) StrictHostKeyChecking). */
export function refuseWeakChecking(values: SshConfigValues, what: string, configFile: string): void {
  if (values.strictHostKeyChecking === 'false') {
    throw new ConnectionPlanError(
      `${configFile} sets StrictHostKeyChecking no for ${what}: deploy-tls checks host keys strictly and does not run with it`,
      `remove it for this host (or give deploy-tls another file with ssh.configFile, or none); to trust a new host once, verify its key and pass --accept-new-host-keys`,
    );
  }
}

/**
 * ssh_config(5) TOKENS for the file-name keywords (IdentityFile, CertificateFile): %% %d %h %i %l
 * %n %p %r %u, and a leading ~. Any other token is refused rather than guessed.
 */
export function expandTokens(
  value: string,
  local: LocalContext,
  hop: { alias: string; hostname: string; port: number; user: string },
): string {
  const table: Record<string, string> = {
    '%': '%',
    d: local.home,
    h: hop.hostname,
    i: String(local.uid),
    l: local.hostname,
    n: hop.alias,
    p: String(hop.port),
    r: hop.user,
    u: local.user,
  };
  const expanded = value.replace(/%(.)/g, (_, token: string) => {
    const replacement = table[token];
    if (replacement === undefined) {
      throw new ConnectionPlanError(`"${value}": the token %${token} is not supported here`);
    }
    return replacement;
  });
  return expandHome(expanded, local.home);
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? `${home}/${path.slice(2)}` : path;
}

function hopFrom(
  label: string,
  alias: string,
  given: { user?: string; port?: number; identityFiles?: string[] },
  config: SshConfigValues,
  fallbackIdentities: string[],
  target: SshTarget,
  local: LocalContext,
): Hop {
  const base = {
    alias,
    hostname: config.hostname || alias,
    port: given.port ?? config.port ?? BUILTIN_SSH.port,
    user: given.user ?? config.user ?? BUILTIN_SSH.user,
  };
  const identities =
    given.identityFiles ??
    (config.identityFiles.length > 0
      ? config.identityFiles.map((file) => expandTokens(file, local, base))
      : fallbackIdentities);
  // ssh also loads "<key>-cert.pub" beside each key (ssh(1) -i); the config may name others.
  const certificates = [
    ...config.certificateFiles.map((file) => expandTokens(file, local, base)),
    ...identities.map((file) => `${file}-cert.pub`),
  ];
  const agentSocket = target.agent ? (config.identityAgent ?? target.agentSocket) : undefined;
  return {
    label,
    ...base,
    identityFiles: identities,
    certificateFiles: [...new Set(certificates)],
    identitiesOnly: config.identitiesOnly,
    ...(agentSocket ? { agentSocket: expandHome(agentSocket, local.home) } : {}),
  };
}

/** The node's own hop and its jump specs (inventory ProxyJump wins over the config's). Pure. */
export function nodeHop(
  target: SshTarget,
  config: SshConfigValues,
  local: LocalContext,
): { hop: Hop; jumps: JumpHop[]; knownHosts: string[] } {
  const fallback = [expandHome(target.privateKey ?? BUILTIN_SSH.privateKey, local.home)];
  const hop = hopFrom(
    target.node,
    target.host,
    {
      user: target.user,
      port: target.port,
      identityFiles: target.privateKey ? fallback : undefined,
    },
    config,
    fallback,
    target,
    local,
  );
  const jumpSpec = target.proxyJump ?? config.proxyJump;
  const knownHosts = target.knownHosts
    ? [target.knownHosts]
    : (config.knownHosts ?? [expandHome(BUILTIN_SSH.knownHosts, local.home)]);
  return { hop, jumps: jumpSpec ? parseProxyJump(jumpSpec) : [], knownHosts };
}

/** A jump host's hop: user and port from the spec, then its config; keys from its config, else the node's. */
export function jumpHop(
  spec: JumpHop,
  config: SshConfigValues,
  nodeIdentities: string[],
  target: SshTarget,
  local: LocalContext,
): Hop {
  return hopFrom(
    `jump host ${formatHop(spec)}`,
    spec.host,
    { user: spec.user, port: spec.port },
    config,
    nodeIdentities,
    target,
    local,
  );
}

/** Reads the config for one host name; the I/O (ssh -G) comes in from the connector. */
export type ConfigLookup = (
  host: string,
  given: { user?: string; port?: number },
) => Promise<SshConfigValues>;

/**
 * Builds the whole plan: the node, its ProxyJump chain, and (as ssh does) a ProxyJump the config
 * gives the first jump host, recursively. The config is consulted through `lookup`.
 */
export async function connectionPlan(
  target: SshTarget,
  lookup: ConfigLookup,
  local: LocalContext,
  configName = 'the ssh config',
): Promise<ConnectionPlan> {
  const config = await lookup(target.host, { user: target.user, port: target.port });
  refuseWeakChecking(config, target.node, configName);
  const { hop, jumps: specs, knownHosts } = nodeHop(target, config, local);
  const jumps: Hop[] = [];
  let pending = [...specs];
  while (pending.length > 0) {
    if (jumps.length + pending.length > MAX_JUMPS) {
      throw new ConnectionPlanError(
        `${target.node}: more than ${MAX_JUMPS} jump hosts (a ProxyJump loop in the config?)`,
      );
    }
    const [first, ...rest] = pending as [JumpHop, ...JumpHop[]];
    const hopConfig = await lookup(first.host, { user: first.user, port: first.port });
    refuseWeakChecking(hopConfig, `jump host ${first.host}`, configName);
    // ssh runs `ssh -W` for the first hop with the config, so the first hop's own ProxyJump applies.
    if (hopConfig.proxyJump && jumps.length === 0) {
      const before = parseProxyJump(hopConfig.proxyJump);
      if (before.length > 0 && !before.some((b) => b.host === first.host)) {
        pending = [...before, first, ...rest];
        continue;
      }
    }
    jumps.push(jumpHop(first, hopConfig, hop.identityFiles, target, local));
    pending = rest;
  }
  return {
    node: target.node,
    transport: target.transport,
    jumps,
    target: hop,
    knownHosts,
    acceptNewHostKeys: target.acceptNewHostKeys,
    become: target.become,
    ...defined({ passphrase: target.passphrase, becomePassword: target.becomePassword }),
    readyTimeoutMs: target.readyTimeoutMs ?? READY_TIMEOUT_MS,
  };
}

/** The hops to connect, in order: jump hosts then the node. */
export const planHops = (plan: ConnectionPlan): Hop[] => [...plan.jumps, plan.target];

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
