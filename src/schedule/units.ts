// What a system scheduler runs instead of the long-lived `rotate --schedule` loop: a systemd
// service + timer pair, or a crontab line.
import { UsageError } from '../errors.js';

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
