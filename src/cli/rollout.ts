// `deploy-tls --inventory FILE` (the rollout), `deploy-tls plan` and `--dry-run`.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { ONE_AT_A_TIME } from '../rollout/batches.js';
import {
  type CliIo,
  type FleetFlags,
  fleetDeps,
  fleetOptions,
  inventoryFrom,
  rolloutSettings,
} from './options.js';

export function addRolloutCommands(program: Command, io: CliIo): void {
  // A rollout may change config.xml, and HiveMQ reads it only at start: one restart at a time.
  fleetOptions(program, ONE_AT_A_TIME).action(async (flags: FleetFlags) => {
    if (!flags.inventory) {
      throw new UsageError('nothing to do: give --inventory FILE or a command', {
        hint: 'deploy-tls --help',
      });
    }
    await run(flags, flags.dryRun ? 'plan' : 'apply', io);
  });
  fleetOptions(
    program.command('plan').description('print what a rollout would change on each node, and change nothing'),
    ONE_AT_A_TIME,
  ).action((flags: FleetFlags) => run(flags, 'plan', io));
}

async function run(flags: FleetFlags, mode: 'plan' | 'apply', io: CliIo): Promise<void> {
  const settings = rolloutSettings(flags, io);
  const inventory = await inventoryFrom(flags, 'plan', io);
  const [{ rollout }, { renderRollout, rolloutFailure }] = await Promise.all([
    import('../rollout/rollout.js'),
    import('./render-rollout.js'),
  ]);
  const report = await rollout({ ...settings, inventory, mode }, await fleetDeps(io));
  io.stdout.write(renderRollout(report, mode === 'apply', flags.json ?? false));
  const failure = rolloutFailure(report);
  if (failure) throw failure;
}
