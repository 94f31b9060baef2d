// The openssh transport: drives the system OpenSSH client. One multiplexed master connection per
// hop (ssh_config(5) ControlMaster/ControlPath, its socket in a private 0700 folder), every
// command a `ssh -S <socket>` client of it with the contents on stdin, as the built-in transport.
// It adds what ssh2 cannot do: host certificates (@cert-authority in known_hosts) and user
// certificates (<key>-cert.pub, CertificateFile). Everything is passed explicitly with `-F none`:
// the plan already holds what the ssh config said, so both transports connect the same way.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, HostKeyError, RemoteError } from '../errors.js';
import type { Secret } from '../secret.js';
import { loadKeys } from './builtin.js';
import { type ExecChannel, remoteOver } from './channel-remote.js';
import type { HopPool } from './hop-pool.js';
import { hostKeyName } from './known-hosts.js';
import { type ExecResult, type Remote, shellQuote } from './remote.js';
import { type ConnectionPlan, type Hop, planHops } from './target.js';

export interface OpensshDeps {
  /** The ssh program (default "ssh" on PATH). */
  ssh: string;
  /** The environment ssh runs with: PATH only; nothing of ours leaks into it. */
  path: string;
}

/** A running master: its control socket and the folder that holds it. */
export interface Master {
  dir: string;
  controlPath: string;
}

/** A value in an ssh -o option: ssh expands %-tokens and splits on spaces unless quoted. */
export function optionWord(value: string): string {
  if (/["\n\r\0]/.test(value)) throw new Error(`cannot pass ${JSON.stringify(value)} to ssh`);
  return `"${value.replaceAll('%', '%%')}"`;
}

/** Seconds for ConnectTimeout from the plan's milliseconds. */
const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/** How long a master outlives a crashed deploy-tls (ssh_config(5) ControlPersist: idle seconds). */
export const MASTER_IDLE_SECONDS = 600;

/** argv of the master for one hop; `via` is the previous hop's control socket. Pure. */
export function masterArgs(
  plan: ConnectionPlan,
  hop: Hop,
  master: Master,
  options: { via?: string; ssh: string; certificates: string[]; askpass: boolean },
): string[] {
  const o = (option: string) => ['-o', option];
  return [
    '-F',
    'none',
    '-f',
    '-N',
    '-E',
    join(master.dir, 'log'),
    ...o('ControlMaster=yes'),
    ...o(`ControlPath=${optionWord(master.controlPath)}`),
    ...o(`ControlPersist=${MASTER_IDLE_SECONDS}`),
    // BatchMode also turns off askpass, so it is off only while a passphrase is to be given.
    ...o(`BatchMode=${options.askpass ? 'no' : 'yes'}`),
    ...o(`StrictHostKeyChecking=${plan.acceptNewHostKeys ? 'accept-new' : 'yes'}`),
    ...o(`UserKnownHostsFile=${plan.knownHosts.map(optionWord).join(' ')}`),
    ...o('GlobalKnownHostsFile=none'),
    ...o('UpdateHostKeys=no'),
    ...o('PasswordAuthentication=no'),
    ...o('KbdInteractiveAuthentication=no'),
    ...o('NumberOfPasswordPrompts=1'),
    ...o('IdentitiesOnly=yes'),
    ...hop.identityFiles.flatMap((file) => o(`IdentityFile=${optionWord(file)}`)),
    ...options.certificates.flatMap((file) => o(`CertificateFile=${optionWord(file)}`)),
    ...o(`IdentityAgent=${hop.agentSocket ? optionWord(hop.agentSocket) : 'none'}`),
    ...o(`ConnectTimeout=${seconds(plan.readyTimeoutMs)}`),
    ...o('ServerAliveInterval=15'),
    ...(options.via
      ? o(
          // ProxyCommand runs in a shell (ssh prepends exec): every word is quoted; %h/%p are checked.
          `ProxyCommand=${shellQuote(options.ssh)} -F none -o ControlMaster=no -S ${shellQuote(options.via.replaceAll('%', '%%'))} -W '[%h]:%p' deploy-tls-jump`,
        )
      : []),
    '-l',
    hop.user,
    '-p',
    String(hop.port),
    '--',
    hop.hostname,
  ];
}

/** Reads an OpenSSH client log into the error a person can act on, naming the hop. */
export function masterError(plan: ConnectionPlan, hop: Hop, log: string, code: number | null): RemoteError {
  const name = hostKeyName(hop.hostname, hop.port);
  const where = hop.label === plan.node ? '' : `${hop.label}: `;
  const node = plan.node;
  const offending = /Offending .* key in (\S+):(\d+)/.exec(log);
  const at = offending ? ` (known_hosts ${offending[1]}:${offending[2]})` : '';
  if (/REVOKED/i.test(log)) {
    return new HostKeyError(`${where}the host key of ${name} is REVOKED${at}`, {
      node,
      hint: 'the key is marked @revoked: this host must not be trusted with it; nothing was changed',
    });
  }
  if (/HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i.test(log)) {
    return new HostKeyError(`${where}the host key of ${name} has CHANGED${at}`, {
      node,
      hint: 'someone may be intercepting the connection; if the host was reinstalled, verify its new key and update known_hosts',
    });
  }
  if (/Host key verification failed|No \S+ host key is known|host key is not known/i.test(log)) {
    return new RemoteError(`${where}${name} is not in ${plan.knownHosts.join(', ')}`, {
      node,
      hint: `verify its host key (or host certificate authority) and add it to known_hosts, or pass --accept-new-host-keys`,
    });
  }
  if (/Permission denied \(/i.test(log)) {
    return new RemoteError(`${where}${hop.user}@${name} refused ${hop.identityFiles.join(', ')}`, {
      node,
      hint: "add the public key (or trust its user certificate's CA) there, or set ssh.user / ssh.privateKey",
    });
  }
  if (/stdio forwarding failed|open failed|channel \d+: open failed/i.test(log)) {
    return new RemoteError(`${where}the jump host before it cannot reach ${name}`, {
      node,
      hint: 'check the address and port of this hop and that the jump host may forward to it (AllowTcpForwarding)',
    });
  }
  const last = log
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('debug'))
    .slice(-2)
    .join('; ');
  return new RemoteError(`${where}cannot connect to ${hop.user}@${name}: ${last || `ssh exited ${code}`}`, {
    node,
    hint:
      hop.label === plan.node
        ? "check the node's address (or ssh.host) and ssh.port, and that sshd runs there"
        : 'check ssh.proxyJump (or ProxyJump in the ssh config) and that the jump host runs sshd',
  });
}

function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Answers ssh's askpass helper with the passphrase over a socket in the private folder: the
 * passphrase never touches a file, an environment variable or a command line.
 */
async function askpassServer(
  dir: string,
  passphrase: Secret,
): Promise<{ env: NodeJS.ProcessEnv; server: Server }> {
  const socket = join(dir, 'askpass.sock');
  const helper = join(dir, 'askpass');
  const server = createServer((connection) => connection.end(`${passphrase.reveal()}\n`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
  const script = `require('node:net').connect(process.env.DEPLOY_TLS_ASKPASS_SOCKET).pipe(process.stdout)`;
  await writeFile(helper, `#!/bin/sh\nexec ${shellQuote(process.execPath)} -e ${shellQuote(script)}\n`, {
    mode: 0o700,
  });
  return {
    server,
    env: { SSH_ASKPASS: helper, SSH_ASKPASS_REQUIRE: 'force', DEPLOY_TLS_ASKPASS_SOCKET: socket },
  };
}

async function openMaster(
  plan: ConnectionPlan,
  hop: Hop,
  via: Master | undefined,
  deps: OpensshDeps,
): Promise<Master> {
  // A protected key is opened here first, so a missing or wrong passphrase says so plainly.
  await loadKeys(plan, hop, { lenient: true });
  const dir = await mkdtemp(join(tmpdir(), 'deploy-tls-ssh-'));
  const master = { dir, controlPath: join(dir, 'control') };
  const certificates: string[] = [];
  for (const file of hop.certificateFiles) if (await exists(file)) certificates.push(file);
  const askpass = plan.passphrase ? await askpassServer(dir, plan.passphrase) : undefined;
  const logFile = await open(join(dir, 'log'), 'a', 0o600);
  try {
    const child = spawn(
      deps.ssh,
      masterArgs(plan, hop, master, {
        via: via?.controlPath,
        ssh: deps.ssh,
        certificates,
        askpass: !!askpass,
      }),
      // stderr to the log file, not a pipe: the backgrounded master and its ProxyCommand keep it open.
      { stdio: ['ignore', 'ignore', logFile.fd], env: { PATH: deps.path, ...askpass?.env } },
    );
    const code = await waitExit(child);
    if (code !== 0) {
      const log = await readFile(join(dir, 'log'), 'utf8').catch(() => '');
      await rm(dir, { recursive: true, force: true });
      throw masterError(plan, hop, log, code);
    }
    return master;
  } finally {
    await logFile.close();
    askpass?.server.close();
  }
}

export async function closeMaster(master: Master, deps: OpensshDeps): Promise<void> {
  const child = spawn(deps.ssh, ['-F', 'none', '-S', master.controlPath, '-O', 'exit', 'deploy-tls'], {
    stdio: 'ignore',
    env: { PATH: deps.path },
  });
  await waitExit(child).catch(() => undefined);
  await rm(master.dir, { recursive: true, force: true });
}

function execVia(
  master: Master,
  plan: ConnectionPlan,
  deps: OpensshDeps,
  command: string,
  stdin: Buffer | undefined,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      deps.ssh,
      [
        '-F',
        'none',
        '-S',
        master.controlPath,
        '-o',
        'ControlMaster=no',
        '-o',
        'BatchMode=yes',
        '-T',
        '--',
        'deploy-tls',
        command,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: deps.path } },
    );
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined); // a command that exits early closes its stdin
    child.once('error', (cause) =>
      reject(
        new RemoteError(`cannot run ${deps.ssh}`, {
          node: plan.node,
          hint: 'install the OpenSSH client',
          cause,
        }),
      ),
    );
    child.once('close', (code) => {
      const err = Buffer.concat(stderr).toString('utf8');
      if (code === 255 && /control socket|mux_client|Control socket connect/i.test(err)) {
        reject(new RemoteError('lost the SSH connection while running a command', { node: plan.node }));
        return;
      }
      resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: err, code: code ?? -1 });
    });
    child.stdin.end(stdin);
  });
}

/** The pool key of a chain prefix, as the built-in transport's. */
function chainKey(plan: ConnectionPlan, depth: number): string {
  return JSON.stringify([
    'openssh',
    planHops(plan)
      .slice(0, depth + 1)
      .map((hop) => [hop.user, hop.hostname, hop.port, hop.identityFiles, hop.agentSocket ?? '']),
    plan.knownHosts,
    plan.acceptNewHostKeys,
  ]);
}

export async function connectOpenssh(
  plan: ConnectionPlan,
  pool: HopPool<Master>,
  deps: OpensshDeps,
): Promise<Remote> {
  const hops = planHops(plan);
  const held: string[] = [];
  let previous: Master | undefined;
  let master: Master | undefined;
  try {
    for (const [depth, hop] of hops.entries()) {
      const via = previous;
      if (depth < hops.length - 1) {
        const key = chainKey(plan, depth);
        held.push(key);
        previous = await pool.acquire(key, () => openMaster(plan, hop, via, deps));
      } else {
        master = await openMaster(plan, hop, via, deps);
      }
    }
  } catch (error) {
    for (const key of held.reverse()) await pool.release(key);
    if (error instanceof RemoteError) throw error;
    throw new RemoteError(`cannot start ${deps.ssh}: ${(error as Error).message}`, {
      node: plan.node,
      exitCode: ExitCode.usage,
      hint: 'ssh.transport: openssh needs the OpenSSH client (Debian: apt-get install openssh-client)',
      cause: error,
    });
  }
  const node = master as Master;
  const channel: ExecChannel = {
    exec: (command, stdin) => execVia(node, plan, deps, command, stdin),
    close: async () => {
      await closeMaster(node, deps);
      for (const key of [...held].reverse()) await pool.release(key);
    },
  };
  return remoteOver(plan, channel);
}
