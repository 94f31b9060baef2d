// `deploy-tls rotate`: renew certificates in place (HiveMQ hot-reloads them), once or on a schedule,
// or print a systemd timer / crontab line that runs it.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatCommandLine } from '../alerts/command-line.js';
import { rotateProgram } from '../alerts/systemd.js';
import { UsageError } from '../errors.js';
import { isRenewalWindow, RENEWAL_WINDOW_HINT } from '../pki/renewal.js';
import { CANARY_THEN_ALL } from '../rollout/batches.js';
import type { UnitOptions } from '../schedule/units.js';
import { hookOption, type RotationRecord, remembering, runRotationHook } from './hooks.js';
import {
  type CliIo,
  type FleetFlags,
  fleetDeps,
  fleetOptions,
  inventoryFrom,
  rolloutSettings,
} from './options.js';
import { checkPrometheus, prometheusOption, recordRun, settle } from './outputs.js';

interface RotateFlags extends FleetFlags {
  renewBefore?: string;
  nodes?: string;
  force?: boolean;
  schedule?: string;
  jitter?: string;
  printSystemd?: boolean;
  printCron?: boolean;
  prometheus?: string;
  onSuccess?: string[];
  onFailure?: string[];
}

export function addRotateCommand(program: Command, io: CliIo): void {
  // A hot reload drops no connection: one canary node, then the others at once.
  fleetOptions(
    program
      .command('rotate')
      .description('renew certificates before they expire, without restarts (HiveMQ reloads keystores)'),
    CANARY_THEN_ALL,
  )
    .option(
      '--renew-before <window>',
      'renew what expires within this window: days ("30d") or a share of the lifetime ("33%")',
    )
    .option('--nodes <names>', 'the older name of --limit')
    .option('--force', 'renew every selected certificate, due or not')
    .option('--schedule <cron>', 'keep running and rotate at these times, e.g. "0 3 * * *"')
    .option('--jitter <duration>', 'with --schedule: start up to this much later (e.g. 10m)')
    .option('--print-systemd', 'print a systemd service + timer pair for --schedule and exit')
    .option('--print-cron', 'print a crontab line for --schedule and exit')
    .addOption(prometheusOption())
    .addOption(hookOption('--on-success', io))
    .addOption(hookOption('--on-failure', io))
    .action(async (flags: RotateFlags) => {
      if (!flags.inventory) throw new UsageError('rotate needs --inventory FILE');
      if (flags.nodes !== undefined) {
        if (flags.limit) throw new UsageError('--nodes is the older name of --limit: give one of them');
        flags.limit = [flags.nodes];
      }
      rolloutSettings(flags, io); // a bad --batch or --max-fail is refused before anything runs
      if (flags.renewBefore && !isRenewalWindow(flags.renewBefore)) {
        throw new UsageError(`--renew-before "${flags.renewBefore}" is not ${RENEWAL_WINDOW_HINT}`);
      }
      await checkPrometheus(flags.prometheus);
      const log = (line: string) => io.stdout.write(`${io.clock.now().toISOString()} ${line}\n`);
      if (!flags.schedule) {
        if (flags.printSystemd || flags.printCron || flags.jitter)
          throw new UsageError('--print-systemd, --print-cron and --jitter need --schedule');
        await rotateOnce(flags, io, (line) => io.stderr.write(`${line}\n`));
        return;
      }
      const once = () => rotateOnce(flags, io, log);
      const { parseJitter, parseSchedule, runSchedule } = await import('../schedule/schedule.js');
      const { crontabLine, systemdUnits } = await import('../schedule/units.js');
      const cron = parseSchedule(flags.schedule);
      const jitterMs = flags.jitter ? parseJitter(flags.jitter) : 0;
      if (flags.printSystemd || flags.printCron) {
        const { unit, warning } = unitOptions(flags, io, jitterMs);
        const text = flags.printSystemd ? systemdUnits(unit) : crontabLine(unit);
        if (warning) io.stderr.write(`! ${warning}\n`);
        return void io.stdout.write(text);
      }
      const stop = new AbortController();
      io.onTerminate(() => stop.abort());
      await runSchedule(
        cron,
        jitterMs,
        once,
        {
          now: () => io.clock.now(),
          random: io.random,
          log,
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

/**
 * One rotation: the rollout with certificates renewed in place; then, whatever its outcome, its
 * last-run series in the textfile and its hook.
 */
async function rotateOnce(flags: RotateFlags, io: CliIo, log: (line: string) => void): Promise<boolean> {
  const record: RotationRecord = { startedAt: io.clock.now(), secrets: [] };
  const textfile = flags.dryRun ? undefined : flags.prometheus; // a plan is no rotation
  const outcome = await settle(() => recordRun(textfile, 'rotate', io, () => rotation(flags, io, record)));
  if (!flags.dryRun) await runRotationHook(flags, record, outcome, io, log);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function rotation(flags: RotateFlags, io: CliIo, record: RotationRecord): Promise<boolean> {
  const inventory = await inventoryFrom(flags, 'rotate', io);
  const [{ rollout }, { renderRollout, rolloutFailure }] = await Promise.all([
    import('../rollout/rollout.js'),
    import('./render-rollout.js'),
  ]);
  const deps = await fleetDeps(io);
  const report = await rollout(
    {
      ...rolloutSettings(flags, io),
      inventory,
      mode: flags.dryRun ? 'plan' : 'apply',
      rotate: { renewBefore: flags.renewBefore, force: flags.force ?? false },
    },
    { ...deps, resolveSecret: remembering(deps.resolveSecret, record.secrets) },
  );
  record.report = report;
  io.stdout.write(renderRollout(report, !flags.dryRun, flags.json ?? false));
  const failure = rolloutFailure(report);
  if (failure) throw failure;
  return report.ok;
}

/**
 * What the printed unit or crontab line runs: this installation of deploy-tls by absolute path, on
 * the inventory by absolute path, with the options that shape a rotation passed on.
 */
function unitOptions(flags: RotateFlags, io: CliIo, jitterMs: number) {
  const { argv, warning } = rotateProgram({
    execPath: io.execPath,
    script: io.script,
    realScript: realpathSync(io.script),
  });
  const args = [
    ...(flags.renewBefore ? ['--renew-before', flags.renewBefore] : []),
    ...(flags.limit ?? []).flatMap((pattern) => ['--limit', pattern]),
    ...(flags.batch !== CANARY_THEN_ALL ? ['--batch', flags.batch] : []),
    ...(flags.maxFail ? ['--max-fail', flags.maxFail] : []),
    ...(flags.force ? ['--force'] : []),
    ...(flags.prometheus ? ['--prometheus', resolve(io.cwd, flags.prometheus)] : []),
    ...(flags.onSuccess ? ['--on-success', formatCommandLine(flags.onSuccess)] : []),
    ...(flags.onFailure ? ['--on-failure', formatCommandLine(flags.onFailure)] : []),
  ];
  const unit: UnitOptions = {
    schedule: flags.schedule as string,
    jitterMs,
    program: argv,
    inventory: resolve(io.cwd, flags.inventory as string),
    args,
    alert: flags.onFailure,
  };
  return { unit, warning };
}
