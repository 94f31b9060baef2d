import { describe, expect, it } from 'vitest';
import { parseJitter, parseSchedule, runSchedule } from '../../../src/schedule/schedule.js';
import { crontabLine, onCalendar, systemdUnits } from '../../../src/schedule/units.js';

const unit = {
  schedule: '0 3 * * *',
  jitterMs: 600_000,
  node: '/usr/bin/node',
  cli: '/srv/deploy-tls/dist/cli/main.js',
  inventory: '/srv/deploy-tls/prod.yaml',
  workingDirectory: '/srv/deploy-tls',
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

  it('prints a service + timer pair and a crontab line that run rotate on the inventory', () => {
    const units = systemdUnits(unit);
    expect(units).toContain(
      'ExecStart=/usr/bin/node /srv/deploy-tls/dist/cli/main.js rotate --inventory /srv/deploy-tls/prod.yaml',
    );
    expect(units).toContain('OnCalendar=*-*-* 03:00:00');
    expect(units).toContain('RandomizedDelaySec=600');
    expect(units).toContain('Persistent=true');
    expect(crontabLine(unit)).toMatch(
      /^0 3 \* \* \* cd \/srv\/deploy-tls && \/usr\/bin\/node .* rotate --inventory \/srv\/deploy-tls\/prod\.yaml/m,
    );
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
