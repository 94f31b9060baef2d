// rotate --schedule: a long-lived loop that runs one rotation at each cron time. Runs never
// overlap (the loop awaits each run; other processes meet the CA lock), a failed run is logged
// and the loop goes on, and an optional jitter spreads fleets that share a schedule.
import { Cron } from 'croner';
import { UsageError } from '../errors.js';

export interface ScheduleDeps {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
  log(line: string): void;
}

export function parseSchedule(expression: string): Cron {
  try {
    return new Cron(expression, { paused: true });
  } catch (cause) {
    throw new UsageError(`--schedule "${expression}" is not a cron expression`, {
      hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *" for 03:00 daily',
      cause,
    });
  }
}

/** "10m", "30s", "1h" → milliseconds. */
export function parseJitter(text: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (!match)
    throw new UsageError(`--jitter "${text}" is not a duration`, { hint: 'for example 30s, 10m or 1h' });
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

export async function runSchedule(
  cron: Cron,
  jitterMs: number,
  runOnce: () => Promise<boolean>,
  deps: ScheduleDeps,
  signal?: AbortSignal,
): Promise<void> {
  while (!signal?.aborted) {
    const next = cron.nextRun(deps.now());
    if (!next) return;
    const at = new Date(next.getTime() + Math.floor(deps.random() * jitterMs));
    deps.log(`next rotation at ${at.toISOString()}`);
    await deps.sleep(Math.max(0, at.getTime() - deps.now().getTime()), signal);
    if (signal?.aborted) return;
    try {
      const ok = await runOnce();
      deps.log(ok ? 'rotation done' : 'rotation finished with failures: the next run retries them');
    } catch (error) {
      // A failed run (an unreachable node, a held CA lock) must not end the schedule.
      deps.log(`rotation failed: ${(error as Error).message}; the next run retries`);
    }
  }
}
