// The Remote every transport shares: commands, sudo, atomic writes and reads, over a channel that
// can run one command with bytes on its stdin. Transports differ only in how they open channels.
import { ExitCode, RemoteError } from '../errors.js';
import type { Secret } from '../secret.js';
import {
  type BecomeMode,
  becomeCommand,
  checkBecomePassword,
  SUDO_WITH_PASSWORD,
  SUDO_WITHOUT_PASSWORD,
  sudoRefusal,
} from './become.js';
import {
  atomicWriteScript,
  COMMAND_TIMEOUT_MS,
  type ExecOptions,
  type ExecResult,
  type Remote,
  type RemoteWrite,
  shellQuote,
} from './remote.js';
import type { ConnectionPlan } from './target.js';

/**
 * timeout(1) from coreutils (busybox has it too): TERM at the deadline, KILL ten seconds later,
 * exit 124 when it timed out (137 after the KILL). It runs on the node, so a hung command dies
 * there even when the SSH connection is gone.
 */
export function timed(command: string, seconds: number): string {
  return `timeout -k 10 ${seconds} sh -c ${shellQuote(command)}`;
}
const TIMEOUT_EXIT = 124;
const KILLED_EXIT = 137;
/** How much longer than the node's own deadline the control host waits for an answer. */
const GUARD_MS = 15_000;

/** One command on the node, its stdin fed from `stdin` and then closed. */
export interface ExecChannel {
  exec(command: string, stdin: Buffer | undefined): Promise<ExecResult>;
  close(): Promise<void>;
}

export interface BecomeSettings {
  become: boolean;
  user: string;
  password?: Secret;
}

/**
 * Decides how to become root on this connection: nothing (root, or become off), `sudo -n`, or
 * `sudo -S` with the password. With a password, sudo is asked first whether it needs one at all
 * (NOPASSWD rules): a password line sudo does not read would reach the command's stdin.
 */
export async function becomeMode(
  channel: ExecChannel,
  node: string,
  settings: BecomeSettings,
): Promise<BecomeMode> {
  if (!settings.become || settings.user === 'root') return 'none';
  if (!settings.password) return 'sudo';
  const problem = checkBecomePassword(settings.password.reveal());
  if (problem)
    throw new RemoteError(`the become password (${settings.password.origin}) ${problem}`, { node });
  if ((await channel.exec(SUDO_WITHOUT_PASSWORD, undefined)).code === 0) return 'sudo';
  const check = await channel.exec(SUDO_WITH_PASSWORD, Buffer.from(`${settings.password.reveal()}\n`));
  if (check.code === 0) return 'sudo-password';
  const refusal = sudoRefusal(check.stderr);
  throw new RemoteError(
    refusal === 'wrong-password'
      ? `sudo refused the become password for ${settings.user} (${settings.password.origin})`
      : `sudo does not let ${settings.user} run commands as root: ${check.stderr.trim()}`,
    {
      node,
      // A wrong password is bad input, like a wrong CA password: exit 2.
      exitCode: ExitCode.usage,
      hint:
        refusal === 'wrong-password'
          ? 'nothing was changed; put the right password where ssh.becomePassword points'
          : `allow ${settings.user} in the node's sudoers, or log in as root (ssh.user)`,
    },
  );
}

/**
 * The node's Remote over a channel both transports open: how to become root is decided once, and
 * the channel is closed again when that fails (a wrong become password leaves no connection open).
 */
export async function remoteOver(
  plan: Pick<ConnectionPlan, 'node' | 'become' | 'target' | 'becomePassword'>,
  channel: ExecChannel,
): Promise<Remote> {
  const settings = { become: plan.become, user: plan.target.user, password: plan.becomePassword };
  try {
    return new ChannelRemote(plan.node, channel, settings, await becomeMode(channel, plan.node, settings));
  } catch (error) {
    await channel.close();
    throw error;
  }
}

export class ChannelRemote implements Remote {
  #roundTrips = 0;

  constructor(
    readonly node: string,
    private readonly channel: ExecChannel,
    private readonly settings: BecomeSettings,
    private readonly mode: BecomeMode,
  ) {}

  get roundTrips(): number {
    return this.#roundTrips;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const wrapped = becomeCommand(
      timed(command, seconds),
      this.mode,
      () => this.settings.password?.reveal() ?? '',
    );
    const parts = [
      ...(wrapped.stdinPrefix === undefined ? [] : [Buffer.from(wrapped.stdinPrefix)]),
      ...(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    ];
    this.#roundTrips++;
    const first = command.split('\n')[0];
    const timedOut = () =>
      new RemoteError(`\`${first}\` did not finish within ${seconds} s`, {
        node: this.node,
        hint: 'the node or the command hangs; for a slow restart, raise hivemq.restartTimeout in the inventory',
      });
    // The node kills the command at the deadline; this guard covers a node that stops answering.
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), timeoutMs + GUARD_MS);
    });
    try {
      const result = await Promise.race([
        this.channel.exec(wrapped.command, parts.length === 0 ? undefined : Buffer.concat(parts)),
        guard,
      ]);
      if (result.code === TIMEOUT_EXIT || result.code === KILLED_EXIT) throw timedOut();
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  async run(command: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (result.code !== 0) {
      const needsSudo =
        /permission denied|operation not permitted/i.test(result.stderr) && !this.settings.become;
      throw new RemoteError(
        `\`${command.split('\n')[0]}\` failed (exit ${result.code}): ${result.stderr.trim()}`,
        {
          node: this.node,
          hint: needsSudo
            ? 'the SSH user needs root here: set ssh.become: true (sudo) in the inventory'
            : /a password is required/i.test(result.stderr)
              ? 'sudo asks for a password: set ssh.becomePassword: { file: … } or { env: … }'
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
    await this.channel.close();
  }
}
