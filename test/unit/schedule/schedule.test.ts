import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJitter, parseSchedule, runSchedule } from '../../../src/schedule/schedule.js';
import { crontabLine, onCalendar, systemdUnits } from '../../../src/schedule/units.js';
import { CRON_LOG, cronCommand } from '../../helpers/cron.js';

const unit = {
  schedule: '0 3 * * *',
  jitterMs: 600_000,
  program: ['/usr/bin/node', '/usr/local/bin/deploy-tls'],
  inventory: '/srv/fleet/prod.yaml',
  args: ['--renew-before', '30d', '--on-failure', '/usr/local/bin/page "ops team"'],
};

describe('rotation schedule', () => {
  it.each([
    ['0 3 * * *', '*-*-* 03:00:00'],
    ['30 2 * * 1-5', 'Mon..Fri *-*-* 02:30:00'],
    ['*/15 * * * *', '*-*-* *:0/15:00'],
    ['0 4 1 */2 0', 'Sun *-0/2-1 04:00:00'],
  ])('translates %s to OnCalendar=%s', (cron, calendar) => {
    expect(onCalendar(cron)).toBe(calendar);
  });

  it('refuses what it cannot translate or parse', () => {
    expect(() => onCalendar('0 3 L * *')).toThrow('cannot translate "L"');
    expect(() => parseSchedule('every night')).toThrow('is not a cron expression');
    expect(() => parseJitter('ten minutes')).toThrow('is not a duration');
    expect(parseJitter('10m')).toBe(600_000);
  });

  it('prints the service, the timer, and with a failure command OnFailure= and the alert template', () => {
    const plain = systemdUnits(unit);
    expect(plain).toContain(
      'ExecStart="/usr/bin/node" "/usr/local/bin/deploy-tls" "rotate" "--inventory" "/srv/fleet/prod.yaml" "--renew-before" "30d" "--on-failure" "/usr/local/bin/page \\"ops team\\""',
    );
    expect(plain).toContain('WorkingDirectory=/srv/fleet');
    expect(plain).toContain('OnCalendar=*-*-* 03:00:00');
    expect(plain).toContain('RandomizedDelaySec=600');
    expect(plain).toContain('Persistent=true');
    expect(plain).not.toContain('OnFailure=');
    const alerting = systemdUnits({ ...unit, alert: ['/usr/local/bin/page', 'ops team'] });
    const headers = [...alerting.matchAll(/^# \/etc\/systemd\/system\/(\S+)$/gm)].map((m) => m[1]);
    expect(headers).toEqual([
      'deploy-tls-rotate.service',
      'deploy-tls-rotate.timer',
      'deploy-tls-alert@.service',
    ]);
    expect(alerting).toContain('OnFailure=deploy-tls-alert@%n.service');
    expect(alerting).toContain('ExecStart="/usr/local/bin/page" "ops team"');
  });

  it('prints a crontab line whose paths reach deploy-tls unchanged through cron and sh', () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'deploy-tls-cron-')), `fleet 100% 'a' $HOME \\%`);
    mkdirSync(folder);
    const line = crontabLine({
      ...unit,
      // a program that prints the folder it runs in and the arguments it got
      program: [
        process.execPath,
        '-e',
        'console.log(JSON.stringify([process.cwd(), ...process.argv.slice(1)]))',
        '--',
      ],
      inventory: join(folder, 'prod %s.yaml'),
      args: ['--prometheus', '/var/lib/node_exporter/100%.prom'],
    });
    const [comment, entry] = line.trimEnd().split('\n');
    expect(comment).toMatch(/^# /);
    expect(entry).toMatch(/^0 3 \* \* \* cd /);
    const command = cronCommand(entry as string).replace(CRON_LOG, '');
    const ran = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual([
      folder,
      'rotate',
      '--inventory',
      join(folder, 'prod %s.yaml'),
      '--prometheus',
      '/var/lib/node_exporter/100%.prom',
    ]);
  });

  it('the cron emulation above is strict: an unescaped % cuts the command', () => {
    expect(cronCommand('0 3 * * * echo 100%done')).toBe('echo 100');
    expect(cronCommand('0 3 * * * echo 100\\%done')).toBe('echo 100%done');
  });

  it('runs at each cron time, survives a failed run, logs the next run, adds jitter', async () => {
    let now = new Date('2026-11-27T02:59:00Z');
    const log: string[] = [];
    const runs: string[] = [];
    const stop = new AbortController();
    const outcomes = [
      () => Promise.reject(new Error('broker2 unreachable')),
      () => Promise.resolve(true),
      () => Promise.resolve(false),
    ];
    await runSchedule(
      parseSchedule('0 3 * * *'),
      60_000,
      () => {
        runs.push(now.toISOString());
        const next = outcomes.shift();
        if (!next || outcomes.length === 0) stop.abort();
        return (next ?? (() => Promise.resolve(true)))();
      },
      {
        now: () => now,
        random: () => 0.5,
        sleep: async (ms) => {
          now = new Date(now.getTime() + ms);
        },
        log: (line) => log.push(line),
      },
      stop.signal,
    );
    expect(runs).toEqual([
      '2026-11-27T03:00:30.000Z',
      '2026-11-28T03:00:30.000Z',
      '2026-11-29T03:00:30.000Z',
    ]);
    expect(log[0]).toBe('next rotation at 2026-11-27T03:00:30.000Z');
    expect(log).toContain('rotation failed: broker2 unreachable; the next run retries');
    expect(log).toContain('rotation done');
    expect(log).toContain('rotation finished with failures: the next run retries them');
  });
});
