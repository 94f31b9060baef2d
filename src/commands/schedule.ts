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

/** systemd's OnCalendar= for a plain five-field cron expression (numbers, *, lists, ranges, steps). */
export function onCalendar(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new UsageError('--print-systemd needs a five-field --schedule');
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const part = (field: string) => {
    if (!/^(\*|\d+(-\d+)?)(\/\d+)?(,(\d+(-\d+)?))*$/.test(field)) {
      throw new UsageError(`cannot translate "${field}" of --schedule to systemd`, {
        hint: 'use numbers, *, lists, ranges and steps',
      });
    }
    return field.replace(/^\*\//, '0/').replace(/-/g, '..');
  };
  const weekday = dow === '*' ? '' : `${part(dow).replace(/\d+/g, (n) => days[Number(n)] ?? n)} `;
  const pad = (field: string) => (/^\d$/.test(field) ? `0${field}` : field);
  return `${weekday}*-${part(month)}-${part(dom)} ${pad(part(hour))}:${pad(part(minute))}:00`;
}

export interface UnitOptions {
  schedule: string;
  jitterMs: number;
  node: string; // the node binary
  cli: string; // dist/cli/main.js
  inventory: string; // absolute
  workingDirectory: string;
}

export function systemdUnits(options: UnitOptions): string {
  const jitter = options.jitterMs > 0 ? `RandomizedDelaySec=${Math.round(options.jitterMs / 1000)}\n` : '';
  return `# /etc/systemd/system/deploy-tls-rotate.service
[Unit]
Description=deploy-tls: renew HiveMQ certificates before they expire
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory=${options.workingDirectory}
# Passwords: point the inventory at files ({ file: … }), or list VAR=value lines here (mode 0600).
EnvironmentFile=-/etc/deploy-tls/rotate.env
ExecStart=${options.node} ${options.cli} rotate --inventory ${options.inventory}

# /etc/systemd/system/deploy-tls-rotate.timer
[Unit]
Description=deploy-tls: rotation schedule (${options.schedule})

[Timer]
OnCalendar=${onCalendar(options.schedule)}
${jitter}Persistent=true

[Install]
WantedBy=timers.target
`;
}

export function crontabLine(options: UnitOptions): string {
  return `# deploy-tls rotation; passwords: point the inventory at files ({ file: … }), cron has no secrets of its own
${options.schedule} cd ${options.workingDirectory} && ${options.node} ${options.cli} rotate --inventory ${options.inventory} >> /var/log/deploy-tls-rotate.log 2>&1
`;
}
