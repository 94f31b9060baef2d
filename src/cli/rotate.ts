// `deploy-tls rotate`: renew certificates in place (HiveMQ hot-reloads them), once or on a schedule,
// or print a systemd timer / crontab line that runs it.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { isRenewalWindow, RENEWAL_WINDOW_HINT } from '../pki/renewal.js';
import { rollout } from '../rollout/rollout.js';
import { parseJitter, parseSchedule, runSchedule } from '../schedule/schedule.js';
import { crontabLine, systemdUnits } from '../schedule/units.js';
import {
  type CliIo,
  type FleetFlags,
  fleetDeps,
  fleetOptions,
  inventoryFrom,
  rolloutSettings,
} from './options.js';
import { renderRollout, rolloutFailure } from './render-rollout.js';

interface RotateFlags extends FleetFlags {
  renewBefore?: string;
  nodes?: string;
  force?: boolean;
  schedule?: string;
  jitter?: string;
  printSystemd?: boolean;
  printCron?: boolean;
}

export function addRotateCommand(program: Command, io: CliIo): void {
  fleetOptions(
    program
      .command('rotate')
      .description('renew certificates before they expire, without restarts (HiveMQ reloads keystores)'),
  )
    .option(
      '--renew-before <window>',
      'renew what expires within this window: days ("30d") or a share of the lifetime ("33%")',
    )
    .option('--nodes <names>', 'only these nodes, comma-separated')
    .option('--force', 'renew every selected certificate, due or not')
    .option('--schedule <cron>', 'keep running and rotate at these times, e.g. "0 3 * * *"')
    .option('--jitter <duration>', 'with --schedule: start up to this much later (e.g. 10m)')
    .option('--print-systemd', 'print a systemd service + timer pair for --schedule and exit')
    .option('--print-cron', 'print a crontab line for --schedule and exit')
    .action(async (flags: RotateFlags) => {
      if (!flags.inventory) throw new UsageError('rotate needs --inventory FILE');
      if (flags.renewBefore && !isRenewalWindow(flags.renewBefore)) {
        throw new UsageError(`--renew-before "${flags.renewBefore}" is not ${RENEWAL_WINDOW_HINT}`);
      }
      const once = () => rotateOnce(flags, io);
      if (!flags.schedule) {
        if (flags.printSystemd || flags.printCron || flags.jitter)
          throw new UsageError('--print-systemd, --print-cron and --jitter need --schedule');
        await once();
        return;
      }
      const cron = parseSchedule(flags.schedule);
      const jitterMs = flags.jitter ? parseJitter(flags.jitter) : 0;
      const unit = {
        schedule: flags.schedule,
        jitterMs,
        node: io.execPath,
        cli: fileURLToPath(new URL('./main.js', import.meta.url)),
        inventory: resolve(io.cwd, flags.inventory),
        workingDirectory: io.cwd,
      };
      if (flags.printSystemd) return void io.stdout.write(systemdUnits(unit));
      if (flags.printCron) return void io.stdout.write(crontabLine(unit));
      const stop = new AbortController();
      io.onTerminate(() => stop.abort());
      await runSchedule(
        cron,
        jitterMs,
        once,
        {
          now: () => io.clock.now(),
          random: io.random,
          log: (line) => io.stdout.write(`${io.clock.now().toISOString()} ${line}\n`),
          sleep: (ms, signal) =>
            new Promise((done) => {
              const timer = setTimeout(done, ms);
              signal?.addEventListener(
                'abort',
                () => {
                  clearTimeout(timer);
                  done();
                },
                { once: true },
              );
            }),
        },
        stop.signal,
      );
    });
}

/** One rotation: the rollout with certificates renewed in place. */
async function rotateOnce(flags: RotateFlags, io: CliIo): Promise<boolean> {
  const inventory = await inventoryFrom(flags, 'rotate', io);
  const report = await rollout(
    {
      ...rolloutSettings(flags, io, inventory),
      mode: flags.dryRun ? 'plan' : 'apply',
      nodes: flags.nodes?.split(',').map((name) => name.trim()),
      rotate: { renewBefore: flags.renewBefore, force: flags.force ?? false },
    },
    fleetDeps(io),
  );
  io.stdout.write(renderRollout(report, !flags.dryRun, flags.json ?? false));
  const failure = rolloutFailure(report);
  if (failure) throw failure;
  return report.ok;
}
