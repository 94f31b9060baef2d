// A Remote over one SSH connection per node (node-ssh), reused for every step. Host keys are
// checked strictly against known_hosts, as OpenSSH's StrictHostKeyChecking=yes; accept-new is opt-in.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { HostKeyError, RemoteError } from '../errors.js';
import {
  checkHostKey,
  type HostKeyVerdict,
  hostKeyName,
  keyTypeOfBlob,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.js';
import { atomicWriteScript, type ExecResult, type Remote, type RemoteWrite, shellQuote } from './remote.js';

export interface SshTarget {
  node: string;
  address: string;
  port: number;
  user: string;
  privateKey: string;
  knownHosts: string;
  become: boolean;
  agent: boolean;
  acceptNewHostKeys: boolean;
  readyTimeoutMs?: number;
}

const READY_TIMEOUT_MS = 15_000;

export async function connectSsh(target: SshTarget): Promise<Remote> {
  const name = hostKeyName(target.address, target.port);
  const entries = parseKnownHosts(await readFile(target.knownHosts, 'utf8').catch(() => ''));
  let verdict: HostKeyVerdict | undefined;
  let offered: { type: string; key: string } | undefined;
  const ssh = new NodeSSH();
  const types = knownKeyTypes(entries, name);
  try {
    await ssh.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      ...(target.agent ? { agent: process.env.SSH_AUTH_SOCK } : { privateKeyPath: target.privateKey }),
      readyTimeout: target.readyTimeoutMs ?? READY_TIMEOUT_MS,
      ...(types.length > 0 ? { algorithms: { serverHostKey: types as never } } : {}),
      hostVerifier: (blob: Buffer) => {
        offered = { type: keyTypeOfBlob(blob), key: blob.toString('base64') };
        verdict = checkHostKey(entries, name, offered.type, offered.key);
        return verdict.kind === 'known' || (verdict.kind === 'unknown' && target.acceptNewHostKeys);
      },
    });
  } catch (cause) {
    ssh.dispose();
    throw connectError(target, name, verdict, cause);
  }
  // Each step is a small request and a small reply: without TCP_NODELAY, Nagle and delayed ACKs
  // add ~40 ms twice to every round trip (measured: 85 ms → a few ms per exec on loopback).
  ssh.connection?.setNoDelay(true);
  if (verdict?.kind === 'unknown' && offered) {
    // Only after the connection succeeded, as ssh's accept-new records the key it trusted.
    await mkdir(dirname(target.knownHosts), { recursive: true, mode: 0o700 });
    await appendFile(target.knownHosts, `${name} ${offered.type} ${offered.key}\n`, { mode: 0o600 });
  }
  return new SshRemote(ssh, target);
}

function connectError(
  target: SshTarget,
  name: string,
  verdict: HostKeyVerdict | undefined,
  cause: unknown,
): RemoteError {
  const node = target.node;
  if (verdict?.kind === 'changed' || verdict?.kind === 'revoked') {
    return new HostKeyError(
      `the host key of ${name} has CHANGED (known_hosts ${target.knownHosts}:${verdict.line})`,
      {
        node,
        hint: 'someone may be intercepting the connection; if the node was reinstalled, verify its new key and update known_hosts',
        cause,
      },
    );
  }
  if (verdict?.kind === 'unknown') {
    return new RemoteError(`${name} is not in ${target.knownHosts}`, {
      node,
      hint: `verify the node's host key and add it (ssh-keyscan -p ${target.port} ${target.address}), or pass --accept-new-host-keys`,
      cause,
    });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/authentication methods failed|All configured authentication/i.test(message)) {
    return new RemoteError(
      `${target.user}@${name} refused ${target.agent ? 'the agent keys' : target.privateKey}`,
      {
        node,
        hint: "add the public key to the node user's authorized_keys, or set ssh.user / ssh.privateKey in the inventory",
        cause,
      },
    );
  }
  return new RemoteError(`cannot connect to ${target.user}@${name}: ${message}`, {
    node,
    hint: "check the node's address and ssh.port in the inventory and that sshd runs there",
    cause,
  });
}

class SshRemote implements Remote {
  #roundTrips = 0;

  constructor(
    private readonly ssh: NodeSSH,
    private readonly target: SshTarget,
  ) {}

  get node(): string {
    return this.target.node;
  }

  get roundTrips(): number {
    return this.#roundTrips;
  }

  async exec(command: string, options: { stdin?: Uint8Array | string } = {}): Promise<ExecResult> {
    const wrapped =
      this.target.become && this.target.user !== 'root' ? `sudo -n sh -c ${shellQuote(command)}` : command;
    const stdin = options.stdin === undefined ? undefined : Readable.from([Buffer.from(options.stdin)]);
    this.#roundTrips++;
    const result = await this.ssh.execCommand(wrapped, { stdin, noTrim: true }).catch((cause) => {
      throw new RemoteError(`lost the SSH connection while running a command`, { node: this.node, cause });
    });
    return { stdout: result.stdout, stderr: result.stderr, code: result.code ?? -1 };
  }

  async run(command: string, options: { stdin?: Uint8Array | string } = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (result.code !== 0) {
      const needsSudo =
        /permission denied|operation not permitted/i.test(result.stderr) && !this.target.become;
      throw new RemoteError(
        `\`${command.split('\n')[0]}\` failed (exit ${result.code}): ${result.stderr.trim()}`,
        {
          node: this.node,
          hint: needsSudo
            ? 'the SSH user needs root here: set ssh.become: true (sudo) in the inventory'
            : undefined,
        },
      );
    }
    return result.stdout;
  }

  async putAtomicAll(files: readonly RemoteWrite[]): Promise<void> {
    if (files.length === 0) return;
    const bodies = files.map((file) => Buffer.from(file.data));
    const script = atomicWriteScript(
      files.map((file, i) => ({ ...file, length: (bodies[i] as Buffer).length })),
    );
    await this.run(script, { stdin: Buffer.concat(bodies) });
  }

  async close(): Promise<void> {
    this.ssh.dispose();
  }
}
