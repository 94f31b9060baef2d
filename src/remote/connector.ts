// connect(target) for the rollout: reads the OpenSSH config (ssh -G), builds the connection plan,
// and opens it with the transport the inventory chose. One connector per run: it holds the
// connections to jump hosts that the nodes behind them share.
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { ExitCode, RemoteError } from '../errors.js';
import type { Secret } from '../secret.js';
import { connectBuiltin, protectedKeyWithoutPassphrase } from './builtin.js';
import { HopPool } from './hop-pool.js';
import { JumpSpecError } from './jump.js';
import { closeMaster, connectOpenssh, type Master } from './openssh.js';
import type { Remote } from './remote.js';
import { type RunSshG, readSshConfig, SshConfigError, type SshConfigValues } from './ssh-config.js';
import {
  type ConfigLookup,
  type ConnectionPlan,
  ConnectionPlanError,
  connectionPlan,
  expandHome,
  type LocalContext,
  noConfig,
  type SshTarget,
} from './target.js';

export interface ConnectorDeps {
  local: LocalContext;
  /** PATH for the ssh programs. */
  path: string;
  /** The OpenSSH client (default "ssh"). */
  ssh?: string;
  /** Runs `ssh -G`; default: spawns deps.ssh. */
  runSshG?: RunSshG;
  exists?: (path: string) => Promise<boolean>;
  /**
   * Asks for the passphrase of a protected key the inventory gives none for (a prompt on a
   * terminal); without it such a key is an error that says to set ssh.passphrase.
   */
  askPassphrase?: (keyPath: string, node: string) => Promise<Secret>;
}

export interface SshConnector {
  connect(target: SshTarget): Promise<Remote>;
  /** The plan connect() carries out, for messages and tests. */
  plan(target: SshTarget): Promise<ConnectionPlan>;
  /** Connections to jump hosts open now. */
  readonly sharedHops: number;
}

const fileExists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** ssh -G with the wrapper in a private temporary file, removed when ssh is done. */
function spawnSshG(ssh: string, path: string): RunSshG {
  return async (args, wrapper) => {
    const dir = await mkdtemp(join(tmpdir(), 'deploy-tls-sshg-'));
    const file = join(dir, 'config');
    try {
      await writeFile(file, wrapper, { mode: 0o600 });
      return await runProcess(ssh, ['-F', file, ...args], path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

function runProcess(file: string, args: string[], path: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: path } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

export function createSshConnector(deps: ConnectorDeps): SshConnector {
  const ssh = deps.ssh ?? 'ssh';
  const runSshG = deps.runSshG ?? spawnSshG(ssh, deps.path);
  const exists = deps.exists ?? fileExists;
  const lookups = new Map<string, Promise<SshConfigValues>>();
  const jumps = new HopPool<Client>(async (client) => {
    client.end();
  });
  const masters = new HopPool<Master>((master) => closeMaster(master, { ssh, path: deps.path }));

  async function configFileOf(target: SshTarget): Promise<string | undefined> {
    if (target.configFile === 'none') return undefined;
    if (target.configFile !== undefined) {
      const file = expandHome(target.configFile, deps.local.home);
      if (!(await exists(file))) {
        throw new RemoteError(`the ssh config ${file} does not exist`, {
          node: target.node,
          exitCode: ExitCode.usage,
          hint: 'fix ssh.configFile in the inventory, or set it to none',
        });
      }
      return file;
    }
    const standard = `${deps.local.home}/.ssh/config`;
    return (await exists(standard)) ? standard : undefined;
  }

  function lookupFor(target: SshTarget, file: string | undefined): ConfigLookup {
    if (file === undefined) return async (host) => noConfig(host);
    return (host, given) => {
      const key = JSON.stringify([file, host, given.user ?? '', given.port ?? 0]);
      let found = lookups.get(key);
      if (!found) {
        found = readSshConfig(runSshG, file, host, given).catch((error: unknown) => {
          lookups.delete(key);
          if (error instanceof SshConfigError) {
            throw new RemoteError(`cannot read the ssh config ${file}: ${error.message}`, {
              node: target.node,
              exitCode: ExitCode.usage,
              hint: 'fix the file (ssh -G shows how ssh reads it), or set ssh.configFile: none',
            });
          }
          throw new RemoteError(`reading the ssh config ${file} needs the OpenSSH client (${ssh} -G)`, {
            node: target.node,
            exitCode: ExitCode.usage,
            hint: 'install it (Debian: apt-get install openssh-client), or set ssh.configFile: none',
            cause: error,
          });
        });
        lookups.set(key, found);
      }
      return found;
    };
  }

  async function plan(target: SshTarget): Promise<ConnectionPlan> {
    if (target.agent && !target.agentSocket) {
      throw new RemoteError('ssh.agent is true but no agent socket is known (SSH_AUTH_SOCK is not set)', {
        node: target.node,
        exitCode: ExitCode.usage,
        hint: 'start ssh-agent and export SSH_AUTH_SOCK, or set ssh.agent: false and ssh.privateKey',
      });
    }
    const file = await configFileOf(target);
    try {
      return await connectionPlan(target, lookupFor(target, file), deps.local, file);
    } catch (error) {
      if (error instanceof ConnectionPlanError || error instanceof JumpSpecError) {
        throw new RemoteError(error.message, {
          node: target.node,
          exitCode: ExitCode.usage,
          hint:
            error instanceof ConnectionPlanError ? error.hint : 'write ProxyJump as [user@]host[:port][,…]',
        });
      }
      throw error;
    }
  }

  /** One prompt per key file for the whole run, however many nodes use the key. */
  const asked = new Map<string, Promise<Secret>>();
  async function withPassphrase(connection: ConnectionPlan): Promise<ConnectionPlan> {
    if (!deps.askPassphrase) return connection;
    const key = await protectedKeyWithoutPassphrase(connection);
    if (key === undefined) return connection;
    let answer = asked.get(key);
    if (!answer) {
      answer = deps.askPassphrase(key, connection.node);
      asked.set(key, answer);
    }
    return { ...connection, passphrase: await answer };
  }

  return {
    plan,
    async connect(target) {
      const connection = await withPassphrase(await plan(target));
      return connection.transport === 'openssh'
        ? connectOpenssh(connection, masters, { ssh, path: deps.path })
        : connectBuiltin(connection, jumps);
    },
    get sharedHops() {
      return jumps.size + masters.size;
    },
  };
}

/** This machine's user, home and host name, for ~ and %-tokens: read once, at the edge. */
export function localContext(env: NodeJS.ProcessEnv): LocalContext {
  const info = userInfo();
  return { home: env.HOME ?? info.homedir, user: info.username, uid: info.uid, hostname: hostname() };
}
