// The commands that work on the fleet: the rollout itself, plan, verify and status.
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { type DeployOptions, deploy } from '../commands/deploy.js';
import { status } from '../commands/status.js';
import { verify } from '../commands/verify.js';
import { DeployTlsError, UsageError } from '../errors.js';
import { type Inventory, loadInventory } from '../inventory/load.js';
import { connectSsh } from '../remote/ssh.js';
import { type CliIo, positiveInt, rendererFor } from './options.js';
import { renderPlan, renderReport, reportJson } from './render-deploy.js';
import { renderStatus } from './render-status.js';
import { renderVerify, verifyJunit } from './render-verify.js';
import { inventorySecretResolver } from './secrets.js';

export function addFleetCommands(program: Command, io: CliIo): void {
  addRolloutOptions(program).action(async (flags: RolloutFlags) => {
    if (!flags.inventory) {
      throw new UsageError('nothing to do: give --inventory FILE or a command', {
        hint: 'deploy-tls --help',
      });
    }
    await rollout(flags, flags.dryRun ? 'dry-run' : 'apply', io);
  });
  addRolloutOptions(
    program.command('plan').description('print what a rollout would change on each node, and change nothing'),
  ).action(async (flags: RolloutFlags) => {
    await rollout(flags, 'plan', io);
  });

  program
    .command('verify')
    .description('prove mutual TLS on every node, including the checks that must fail')
    .requiredOption('-i, --inventory <file>', 'the inventory of broker nodes (YAML)')
    .option('--concurrency <n>', 'nodes checked at once', positiveInt, 10)
    .option('--timeout <seconds>', 'per connection attempt', positiveInt, 10)
    .option('--json', 'print JSON')
    .option('--junit <file>', 'also write a JUnit XML report')
    .action(
      async (flags: {
        inventory: string;
        concurrency: number;
        timeout: number;
        json?: boolean;
        junit?: string;
      }) => {
        const inventory = await loadInventory(flags.inventory, io.env);
        const report = await verify(
          {
            inventory,
            concurrency: flags.concurrency,
            timeoutMs: flags.timeout * 1000,
            renderer: rendererFor(flags, io),
          },
          fleetDeps(io, inventory),
        );
        if (flags.junit) await writeFile(flags.junit, verifyJunit(report));
        io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderVerify(report)}`);
        if (!report.ok)
          throw new DeployTlsError('verification failed', { hint: 'see the failed checks above' });
      },
    );

  program
    .command('status')
    .description('per node: deployed serial, SANs, expiry, days left, served = deployed?, client-auth mode')
    .requiredOption('-i, --inventory <file>', 'the inventory of broker nodes (YAML)')
    .option('--concurrency <n>', 'nodes read at once', positiveInt, 10)
    .option('--accept-new-host-keys', 'trust and record host keys not yet in known_hosts')
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        inventory: string;
        concurrency: number;
        acceptNewHostKeys?: boolean;
        json?: boolean;
      }) => {
        const inventory = await loadInventory(flags.inventory, io.env);
        const report = await status(
          {
            inventory,
            concurrency: flags.concurrency,
            renderer: rendererFor(flags, io),
            acceptNewHostKeys: flags.acceptNewHostKeys ?? false,
          },
          fleetDeps(io, inventory),
        );
        io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderStatus(report)}`);
      },
    );
}

/** Three of HiveMQ's 10-second keystore checks, plus a margin. */
export const RELOAD_TIMEOUT_MS = 35_000;

/** The options every fleet command shares, from its flags. */
export function rolloutSettings(flags: RolloutFlags, io: CliIo, inventory: Inventory) {
  return {
    inventory,
    batch: flags.batch,
    concurrency: flags.concurrency,
    healthTimeoutMs: flags.healthTimeout * 1000,
    reloadTimeoutMs: RELOAD_TIMEOUT_MS,
    acceptNewHostKeys: flags.acceptNewHostKeys ?? false,
    renderer: rendererFor(flags, io),
  };
}

/** SSH, the inventory's password references, the clock: the side effects fleet commands get. */
export function fleetDeps(io: CliIo, inventory: Inventory) {
  return {
    connect: connectSsh,
    resolveSecret: inventorySecretResolver(io, dirname(inventory.file)),
    now: io.now,
  };
}

export interface RolloutFlags {
  inventory?: string;
  dryRun?: boolean;
  batch: number;
  concurrency: number;
  healthTimeout: number;
  acceptNewHostKeys?: boolean;
  json?: boolean;
}

export function addRolloutOptions(command: Command): Command {
  return command
    .option('-i, --inventory <file>', 'the inventory of broker nodes (YAML)')
    .option('--dry-run', 'print the plan and change nothing (same as `plan`)')
    .option('--batch <n>', 'nodes restarted at once', positiveInt, 1)
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

export async function rollout(
  flags: RolloutFlags,
  mode: 'plan' | 'dry-run' | 'apply',
  io: CliIo,
  extra: Pick<DeployOptions, 'nodes' | 'rotate'> = {},
): Promise<boolean> {
  if (!flags.inventory) throw new UsageError('plan needs --inventory FILE');
  const inventory = await loadInventory(flags.inventory, io.env);
  const report = await deploy(
    { ...rolloutSettings(flags, io, inventory), mode, ...extra },
    fleetDeps(io, inventory),
  );
  if (flags.json) io.stdout.write(reportJson(report));
  else
    io.stdout.write(
      mode === 'apply' ? `\n${renderReport(report)}` : `\n${renderPlan(report.plan, report.clients)}`,
    );
  if (!report.ok) {
    const bad = report.nodes
      .filter((n) => n.status === 'rolled-back' || n.status === 'failed')
      .map((n) => `${n.node} ${n.status}`);
    throw new DeployTlsError(`rollout stopped: ${bad.join(', ')}`, {
      hint: 'nodes after it were not touched; see the table above',
    });
  }
  return report.ok;
}
