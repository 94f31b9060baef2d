// What a system scheduler runs instead of the long-lived `rotate --schedule` loop: a systemd
// service + timer pair (with the alert unit template when there is a failure command), or a
// crontab line. The service half and the alert template are alerts/systemd.ts's.
import { alertUnit, rotateService } from '../alerts/systemd.js';
import { UsageError } from '../errors.js';
import { crontabCommand, crontabWord } from './quote.js';

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
  /** node and the deploy-tls script, absolute (alerts/systemd.ts rotateProgram). */
  program: readonly string[];
  /** Absolute. */
  inventory: string;
  /** Passed on to rotate: --renew-before, --prometheus FILE, --on-failure CMD, … */
  args: readonly string[];
  /** The --on-failure command: OnFailure= and the alert unit template that runs it. */
  alert?: readonly string[];
}

/** The service, the timer and, with a failure command, the alert unit template, in that order. */
export function systemdUnits(options: UnitOptions): string {
  const jitter = options.jitterMs > 0 ? `RandomizedDelaySec=${Math.round(options.jitterMs / 1000)}\n` : '';
  const service = rotateService({
    program: options.program,
    inventory: options.inventory,
    args: options.args,
    alert: options.alert !== undefined,
  });
  const timer = `# /etc/systemd/system/deploy-tls-rotate.timer
[Unit]
Description=deploy-tls: rotation schedule (${options.schedule.replace(/%/g, '%%')})

[Timer]
OnCalendar=${onCalendar(options.schedule)}
${jitter}Persistent=true

[Install]
WantedBy=timers.target
`;
  return [service, timer, ...(options.alert ? [alertUnit(options.alert)] : [])].join('\n');
}

export function crontabLine(options: UnitOptions): string {
  const folder = options.inventory.replace(/\/[^/]*$/, '') || '/';
  const command = [...options.program, 'rotate', '--inventory', options.inventory, ...options.args];
  return `# deploy-tls rotation; passwords: point the inventory at files ({ file: … }), cron has no secrets of its own
${options.schedule} cd ${crontabWord(folder)} && ${crontabCommand(command)} >> /var/log/deploy-tls-rotate.log 2>&1
`;
}
