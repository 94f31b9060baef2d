// What every command shares: the process's edges as a value, small option parsers, and the options
// and side effects of the fleet commands (rollout, plan, rotate, ca rollover, verify, status).
// Only commander and small modules load here: `--help`, `--version` and the local commands must not
// wait for SSH, MQTT or listr2, so what a command runs is imported inside its action.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { hookRunner } from '../alerts/hooks.js';
import type { Clock } from '../clock.js';
import { UsageError } from '../errors.js';
import type { Inventory } from '../inventory/load.js';
import { parseBatchSpec, parseMaxFail } from '../rollout/batches.js';
import type { RolloutDeps, RolloutOptions } from '../rollout/rollout.js';
import type { RendererName } from '../tasks/stage.js';
import { inventorySecretResolver, PASSWORD_ENV, promptSecret, type SecretIo } from './secrets.js';

/** The process as the CLI sees it: streams, environment, clock, working folder. Tests pass their own. */
export interface CliIo extends SecretIo {
  stdout: NodeJS.WriteStream;
  clock: Clock;
  cwd: string;
  /** The node binary running us, for printed systemd units and crontab lines. */
  execPath: string;
  /** The script it runs (argv[1]: the bin link when installed), for the same. */
  script: string;
  random(): number;
  /** Registers a handler for SIGTERM (the scheduled rotation's clean stop). */
  onTerminate(handler: () => void): void;
  /** Sends this process a signal (the fault seam's way to die as a kill or a Ctrl-C would end it). */
  kill(signal: 'SIGKILL' | 'SIGINT'): void;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** Repeated or comma-separated values: `--san a --san b,c`. */
export const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',')];

export function rendererFor(flags: { json?: boolean }, io: CliIo): RendererName {
  return flags.json ? 'silent' : io.stdout.isTTY ? 'default' : 'simple';
}

export function caDirOption() {
  return new Option('--ca-dir <dir>', 'the CA directory (OpenSSL `ca` layout)').default('pki');
}

export function caPasswordFileOption() {
  return new Option(
    '--ca-password-file <file>',
    `read the CA password from a file (default: env ${PASSWORD_ENV.ca})`,
  );
}

/** Three of HiveMQ's 10-second keystore checks, plus a margin. */
export const RELOAD_TIMEOUT_MS = 35_000;

export interface FleetFlags {
  inventory?: string;
  dryRun?: boolean;
  batch: string;
  maxFail?: string;
  limit?: string[];
  concurrency: number;
  healthTimeout: number;
  acceptNewHostKeys?: boolean;
  json?: boolean;
}

/** `--limit`, on every command that works on the inventory's nodes. */
export function limitOption(): Option {
  return new Option(
    '-l, --limit <pattern>',
    'only these nodes: names, groups, wildcards; "a,b" either, "a:!b" without b, "a:&b" in both (repeatable)',
  ).argParser(collectPatterns);
}

/** Repeated `--limit` values add up, as terms of one pattern. */
const collectPatterns = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The options of every command that changes the fleet (the rollout, plan, rotate, ca rollover).
 * `batch` is the default batch list: restarts go one node at a time, hot reloads canary first.
 */
export function fleetOptions(command: Command, batch: string): Command {
  return command
    .option('-i, --inventory <file>', 'the inventory of broker nodes (YAML)')
    .option('--dry-run', 'print the plan and change nothing (same as `plan`)')
    .addOption(limitOption())
    .option(
      '--batch <sizes>',
      'nodes changed at once: a number, a percentage, or a list such as 1,25%,100% (canary first)',
      batch,
    )
    .option(
      '--max-fail <n|p%>',
      'go on to the next batch past this many failed nodes, or past this share of a batch',
    )
    .option('--concurrency <n>', 'nodes connected and read at once', positiveInt, 10)
    .option(
      '--health-timeout <seconds>',
      'how long a node may take to serve its new certificate',
      positiveInt,
      60,
    )
    .option(
      '--accept-new-host-keys',
      'trust and record host keys not yet in known_hosts (like ssh accept-new)',
    )
    .option('--json', 'print a JSON summary instead of progress and tables');
}

export async function inventoryFrom(
  flags: { inventory?: string },
  command: string,
  io: CliIo,
): Promise<Inventory> {
  if (!flags.inventory) throw new UsageError(`${command} needs --inventory FILE`);
  const { loadInventory } = await import('../inventory/load.js');
  return loadInventory(flags.inventory, io.env);
}

/**
 * The rollout's settings from a fleet command's flags, read before the inventory is: a bad --batch
 * or --max-fail stops the command before anything is read or connected.
 */
export function rolloutSettings(flags: FleetFlags, io: CliIo): Omit<RolloutOptions, 'mode' | 'inventory'> {
  return {
    batch: parseBatchSpec(flags.batch),
    maxFail: flags.maxFail === undefined ? undefined : parseMaxFail(flags.maxFail),
    limit: flags.limit,
    concurrency: flags.concurrency,
    healthTimeoutMs: flags.healthTimeout * 1000,
    reloadTimeoutMs: RELOAD_TIMEOUT_MS,
    acceptNewHostKeys: flags.acceptNewHostKeys ?? false,
    renderer: rendererFor(flags, io),
  };
}

/** SSH, password references, the clock and hooks: the side effects fleet commands get. */
export async function fleetDeps(io: CliIo): Promise<RolloutDeps> {
  return {
    connect: await sshConnect(io),
    resolveSecret: inventorySecretResolver(io),
    clock: io.clock,
    fault: faultSeam(io),
    runHook: hookRunner(io.env),
  };
}

/**
 * One SSH connector per command run: it holds the connections to jump hosts that the nodes behind
 * them share, and asks on the terminal for a key passphrase the inventory does not name.
 */
export async function sshConnect(io: CliIo): Promise<RolloutDeps['connect']> {
  const { createSshConnector, localContext } = await import('../remote/connector.js');
  const connector = createSshConnector({
    local: localContext(io.env),
    path: io.env.PATH ?? '/usr/bin:/bin',
    askPassphrase: (keyPath, node) => promptSecret(`${node}: passphrase for ${keyPath}`, io),
  });
  return (target) => connector.connect(target);
}

/**
 * For the crash-safety tests only: DEPLOY_TLS_FAULT=installed (or restarted) ends the process at
 * that point of the first node's change with SIGKILL (`installed:SIGINT` with a Ctrl-C), so the
 * next run's convergence is proven at a named point instead of by racing a kill.
 */
function faultSeam(io: CliIo): RolloutDeps['fault'] {
  const [point, signal] = (io.env.DEPLOY_TLS_FAULT ?? '').split(':');
  if (!point) return undefined;
  return async (reached) => {
    if (reached !== point) return;
    io.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGKILL');
    // A signal is handled on a later turn of the event loop: nothing of the change may run before.
    await new Promise<never>(() => {});
  };
}
