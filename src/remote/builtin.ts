// The built-in transport: SSH in-process (the ssh2 library), one connection per node, jump hosts
// through direct-tcpip channels of the previous hop (RFC 4254 7.2, what `ssh -J` does), each hop's
// host key checked strictly against the same known_hosts. It cannot check host certificates or
// log in with user certificates (ssh2 has no OpenSSH certificate support): the openssh transport can.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
// ssh2 is CommonJS: its named exports are reachable through the default import only.
import ssh2, { type AgentAuthMethod, type Client, type ConnectConfig, type PublicKeyAuthMethod } from 'ssh2';

const { Client: SshClient, utils } = ssh2;

import { ExitCode, HostKeyError, RemoteError } from '../errors.js';
import { type ExecChannel, remoteOver } from './channel-remote.js';
import type { HopPool } from './hop-pool.js';
import {
  checkHostKey,
  type HostKeyVerdict,
  hasCertAuthority,
  hostKeyAlgorithms,
  hostKeyName,
  type KnownHostEntry,
  keyTypeOfBlob,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.js';
import type { ExecResult, Remote } from './remote.js';
import { type ConnectionPlan, type Hop, planHops } from './target.js';

const KEEPALIVE_MS = 15_000;

export interface KnownHostsFile {
  path: string;
  entries: KnownHostEntry[];
}

export async function readKnownHosts(paths: readonly string[]): Promise<KnownHostsFile[]> {
  return Promise.all(
    paths.map(async (path) => ({
      path,
      entries: parseKnownHosts(await readFile(path, 'utf8').catch(() => '')),
    })),
  );
}

export type FileVerdict = HostKeyVerdict & { file?: string };

/** ssh's verdict over several known_hosts files: revoked anywhere wins, then known, then changed. */
export function judgeHostKey(
  files: readonly KnownHostsFile[],
  name: string,
  type: string,
  key: string,
): FileVerdict {
  const verdicts = files.map((file) => ({ ...checkHostKey(file.entries, name, type, key), file: file.path }));
  return (
    verdicts.find((v) => v.kind === 'revoked') ??
    verdicts.find((v) => v.kind === 'known') ??
    verdicts.find((v) => v.kind === 'changed') ?? { kind: 'unknown' }
  );
}

/** Host key trouble, named by hop, with ssh's words: REVOKED, CHANGED, not known. */
export function hostKeyError(
  plan: ConnectionPlan,
  hop: Hop,
  verdict: FileVerdict,
  certAuthority: boolean,
  cause?: unknown,
): RemoteError | undefined {
  const name = hostKeyName(hop.hostname, hop.port);
  const where = hop.label === plan.node ? '' : `${hop.label}: `;
  if (verdict.kind === 'revoked') {
    return new HostKeyError(
      `${where}the host key of ${name} is REVOKED (known_hosts ${verdict.file}:${verdict.line})`,
      {
        node: plan.node,
        hint: 'the key is marked @revoked: this host must not be trusted with it; nothing was changed',
        cause,
      },
    );
  }
  if (verdict.kind === 'changed') {
    return new HostKeyError(
      `${where}the host key of ${name} has CHANGED (known_hosts ${verdict.file}:${verdict.line})`,
      {
        node: plan.node,
        hint: 'someone may be intercepting the connection; if the host was reinstalled, verify its new key and update known_hosts',
        cause,
      },
    );
  }
  if (verdict.kind === 'unknown') {
    return new RemoteError(`${where}${name} is not in ${plan.knownHosts.join(', ')}`, {
      node: plan.node,
      hint: certAuthority
        ? 'known_hosts vouches for it with @cert-authority (a host certificate), which the built-in transport cannot check: set ssh.transport: openssh'
        : `verify the host key and add it (ssh-keyscan -p ${hop.port} ${hop.hostname}), or pass --accept-new-host-keys`,
      cause,
    });
  }
  return undefined;
}

/** The first key of the plan that is protected by a passphrase, when the plan has none: to ask for one. */
export async function protectedKeyWithoutPassphrase(plan: ConnectionPlan): Promise<string | undefined> {
  if (plan.passphrase) return undefined;
  for (const hop of planHops(plan)) {
    for (const path of hop.identityFiles) {
      const data = await readFile(path).catch(() => undefined);
      if (data === undefined) continue;
      const parsed = utils.parseKey(data);
      if (parsed instanceof Error && /passphrase|encrypted/i.test(parsed.message)) return path;
    }
  }
  return undefined;
}

interface LoadedKey {
  path: string;
  data: Buffer;
}

/**
 * Reads the hop's keys; a protected key without (or with a wrong) passphrase is a clear error.
 * `lenient`: a key this parser cannot read is left to the caller (the OpenSSH client reads more formats).
 */
export async function loadKeys(
  plan: ConnectionPlan,
  hop: Hop,
  options: { lenient?: boolean } = {},
): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  for (const path of hop.identityFiles) {
    const data = await readFile(path).catch(() => undefined);
    if (data === undefined) continue; // ssh skips missing identity files too
    const parsed = utils.parseKey(data, plan.passphrase?.reveal());
    if (parsed instanceof Error) {
      const protectedKey = /passphrase|encrypted|decrypt/i.test(parsed.message);
      if (options.lenient && !protectedKey) continue;
      throw new RemoteError(
        protectedKey
          ? plan.passphrase
            ? `the passphrase (${plan.passphrase.origin}) does not open ${path}`
            : `${path} is protected by a passphrase and none was given`
          : `cannot read the private key ${path}: ${parsed.message}`,
        {
          node: plan.node,
          exitCode: ExitCode.usage,
          hint: protectedKey
            ? 'set ssh.passphrase: { file: … } or { env: … } in the inventory, or use ssh-agent (ssh.agent: true)'
            : 'ssh.privateKey (or IdentityFile in the ssh config) must name an OpenSSH or PEM private key',
        },
      );
    }
    keys.push({ path, data });
  }
  return keys;
}

/** The agent first (as ssh), then each key file. The passphrase is revealed here, at its use. */
function authMethods(
  plan: ConnectionPlan,
  hop: Hop,
  keys: readonly LoadedKey[],
): (AgentAuthMethod | PublicKeyAuthMethod)[] {
  const username = hop.user;
  return [
    ...(hop.agentSocket ? [{ type: 'agent' as const, username, agent: hop.agentSocket }] : []),
    ...keys.map((key) => ({
      type: 'publickey' as const,
      username,
      key: key.data,
      ...(plan.passphrase ? { passphrase: plan.passphrase.reveal() } : {}),
    })),
  ];
}

function authError(plan: ConnectionPlan, hop: Hop, keys: readonly LoadedKey[], cause: unknown): RemoteError {
  const where = hop.label === plan.node ? '' : `${hop.label}: `;
  const offered = [...(hop.agentSocket ? ['the agent keys'] : []), ...keys.map((key) => key.path)];
  return new RemoteError(
    `${where}${hop.user}@${hostKeyName(hop.hostname, hop.port)} refused ${offered.join(', ') || 'every key (none found)'}`,
    {
      node: plan.node,
      hint:
        keys.length === 0 && !hop.agentSocket
          ? `no key found at ${hop.identityFiles.join(', ')}: set ssh.privateKey or ssh.agent: true`
          : "add the public key to the user's authorized_keys there, or set ssh.user / ssh.privateKey (a user certificate needs ssh.transport: openssh)",
      cause,
    },
  );
}

/** Opens one hop: over `sock` (a channel of the previous hop) or straight over TCP. */
async function openHop(plan: ConnectionPlan, hop: Hop, sock: Duplex | undefined): Promise<Client> {
  const files = await readKnownHosts(plan.knownHosts);
  const name = hostKeyName(hop.hostname, hop.port);
  const types = knownKeyTypes(
    files.flatMap((file) => file.entries),
    name,
  );
  const keys = await loadKeys(plan, hop);
  let verdict: FileVerdict | undefined;
  let offered: { type: string; key: string } | undefined;
  const client = new SshClient();
  const config: ConnectConfig = {
    ...(sock ? { sock: sock as never } : { host: hop.hostname, port: hop.port }),
    username: hop.user,
    readyTimeout: plan.readyTimeoutMs,
    // A shared jump host connection idles while nodes restart: keep it (and any NAT on the way) alive,
    // as ssh_config(5) ServerAliveInterval does.
    keepaliveInterval: KEEPALIVE_MS,
    authHandler: authMethods(plan, hop, keys),
    ...(types.length > 0 ? { algorithms: { serverHostKey: hostKeyAlgorithms(types) as never } } : {}),
    hostVerifier: (blob: Buffer) => {
      offered = { type: keyTypeOfBlob(blob), key: blob.toString('base64') };
      verdict = judgeHostKey(files, name, offered.type, offered.key);
      return verdict.kind === 'known' || (verdict.kind === 'unknown' && plan.acceptNewHostKeys);
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
      client.connect(config);
    });
  } catch (cause) {
    client.end();
    const certAuthority = files.some((file) => hasCertAuthority(file.entries, name));
    const keyError = verdict && hostKeyError(plan, hop, verdict, certAuthority, cause);
    if (keyError) throw keyError;
    if (verdict === undefined && certAuthority && /handshake|algorithm/i.test(String(cause))) {
      throw hostKeyError(plan, hop, { kind: 'unknown' }, true, cause);
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    if (/authentication methods failed|All configured authentication/i.test(message)) {
      throw authError(plan, hop, keys, cause);
    }
    const where = hop.label === plan.node ? '' : `${hop.label}: `;
    throw new RemoteError(`${where}cannot connect to ${hop.user}@${name}: ${message}`, {
      node: plan.node,
      hint:
        hop.label === plan.node
          ? "check the node's address (or ssh.host) and ssh.port, and that sshd runs there"
          : 'check ssh.proxyJump (or ProxyJump in the ssh config) and that the jump host runs sshd',
      cause,
    });
  }
  // Each step is a small request and a small reply: without TCP_NODELAY, Nagle and delayed ACKs
  // add ~40 ms twice to every round trip (measured: 85 ms → a few ms per exec on loopback).
  if (!sock) client.setNoDelay(true);
  if (verdict?.kind === 'unknown' && offered && plan.acceptNewHostKeys) {
    // Only after the connection succeeded, as ssh's accept-new records the key it trusted.
    const file = plan.knownHosts[0] as string;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await appendFile(file, `${name} ${offered.type} ${offered.key}\n`, { mode: 0o600 });
  }
  return client;
}

/** A TCP stream to host:port opened by the SSH server at the other end of `client`. */
function forward(client: Client, plan: ConnectionPlan, from: Hop, to: Hop): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, to.hostname, to.port, (error, stream) => {
      if (error) {
        reject(
          new RemoteError(
            `${from.label} cannot reach ${hostKeyName(to.hostname, to.port)}: ${error.message}`,
            {
              node: plan.node,
              hint: `check that ${from.label} may forward to it (sshd AllowTcpForwarding) and the address or port of ${to.label}`,
              cause: error,
            },
          ),
        );
      } else resolve(stream);
    });
  });
}

/** The pool key of a chain prefix: same hops, same keys, same known_hosts = one connection. */
export function chainKey(plan: ConnectionPlan, depth: number): string {
  return JSON.stringify([
    planHops(plan)
      .slice(0, depth + 1)
      .map((hop) => [hop.user, hop.hostname, hop.port, hop.identityFiles, hop.agentSocket ?? '']),
    plan.knownHosts,
    plan.acceptNewHostKeys,
  ]);
}

function execOn(
  client: Client,
  plan: ConnectionPlan,
  command: string,
  stdin: Buffer | undefined,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const lost = (cause: unknown) =>
      reject(new RemoteError('lost the SSH connection while running a command', { node: plan.node, cause }));
    client.exec(command, (error, stream) => {
      if (error) return lost(error);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code = -1;
      stream.on('data', (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (exitCode: number | null) => {
        code = exitCode ?? -1;
      });
      stream.on('error', lost);
      stream.on('close', () =>
        resolve({
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          code,
        }),
      );
      stream.end(stdin);
    });
  });
}

export async function connectBuiltin(plan: ConnectionPlan, pool: HopPool<Client>): Promise<Remote> {
  const hops = planHops(plan);
  const held: string[] = [];
  let previous: Client | undefined;
  let client: Client | undefined;
  try {
    for (const [depth, hop] of hops.entries()) {
      const via = previous;
      const from = hops[depth - 1];
      const open = async () =>
        openHop(plan, hop, via && from ? await forward(via, plan, from, hop) : undefined);
      if (depth < hops.length - 1) {
        const key = chainKey(plan, depth);
        held.push(key);
        previous = await pool.acquire(key, open);
      } else {
        client = await open();
      }
    }
  } catch (error) {
    for (const key of held.reverse()) await pool.release(key);
    throw error;
  }
  const node = client as Client;
  const channel: ExecChannel = {
    exec: (command, stdin) => execOn(node, plan, command, stdin),
    close: async () => {
      node.end();
      for (const key of [...held].reverse()) await pool.release(key);
    },
  };
  return remoteOver(plan, channel);
}
