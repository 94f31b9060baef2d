// `deploy-tls rotate`: renew certificates in place (HiveMQ hot-reloads them), once or on a schedule,
// or print a systemd timer / crontab line that runs it.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { crontabLine, parseJitter, parseSchedule, runSchedule, systemdUnits } from '../commands/schedule.js';
import { UsageError } from '../errors.js';
import { addRolloutOptions, type RolloutFlags, rollout } from './fleet-commands.js';
import type { CliIo } from './options.js';

interface RotateFlags extends RolloutFlags {
  renewBefore?: string;
  nodes?: string;
  force?: boolean;
  schedule?: string;
  jitter?: string;
  printSystemd?: boolean;
  printCron?: boolean;
}

export function addRotateCommand(program: Command, io: CliIo): void {
  addRolloutOptions(
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
      if (flags.renewBefore && !/^\d+d$|^\d{1,2}%$/.test(flags.renewBefore)) {
        throw new UsageError(
          `--renew-before "${flags.renewBefore}" is neither days ("30d") nor a share ("33%")`,
        );
      }
      const extra = {
        nodes: flags.nodes?.split(',').map((name) => name.trim()),
        rotate: { renewBefore: flags.renewBefore, force: flags.force ?? false },
      };
      const once = () => rollout(flags, flags.dryRun ? 'dry-run' : 'apply', io, extra);
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
        node: process.execPath,
        cli: fileURLToPath(new URL('./main.js', import.meta.url)),
        inventory: resolve(flags.inventory),
        workingDirectory: process.cwd(),
      };
      if (flags.printSystemd) return void io.stdout.write(systemdUnits(unit));
      if (flags.printCron) return void io.stdout.write(crontabLine(unit));
      const stop = new AbortController();
      process.once('SIGTERM', () => stop.abort());
      await runSchedule(
        cron,
        jitterMs,
        once,
        {
          now: io.now,
          random: Math.random,
          log: (line) => io.stdout.write(`${io.now().toISOString()} ${line}\n`),
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
