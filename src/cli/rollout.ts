// `deploy-tls --inventory FILE` (the rollout), `deploy-tls plan` and `--dry-run`.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { rollout } from '../rollout/rollout.js';
import {
  type CliIo,
  type FleetFlags,
  fleetDeps,
  fleetOptions,
  inventoryFrom,
  rolloutSettings,
} from './options.js';
import { renderRollout, rolloutFailure } from './render-rollout.js';

export function addRolloutCommands(program: Command, io: CliIo): void {
  fleetOptions(program).action(async (flags: FleetFlags) => {
    if (!flags.inventory) {
      throw new UsageError('nothing to do: give --inventory FILE or a command', {
        hint: 'deploy-tls --help',
      });
    }
    await run(flags, flags.dryRun ? 'plan' : 'apply', io);
  });
  fleetOptions(
    program.command('plan').description('print what a rollout would change on each node, and change nothing'),
  ).action((flags: FleetFlags) => run(flags, 'plan', io));
}

async function run(flags: FleetFlags, mode: 'plan' | 'apply', io: CliIo): Promise<void> {
  const inventory = await inventoryFrom(flags, 'plan', io);
  const report = await rollout({ ...rolloutSettings(flags, io, inventory), mode }, fleetDeps(io));
  io.stdout.write(renderRollout(report, mode === 'apply', flags.json ?? false));
  const failure = rolloutFailure(report);
  if (failure) throw failure;
}
