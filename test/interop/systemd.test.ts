// The units `rotate --print-systemd` is to print, judged by systemd's own parser (systemd-analyze
// verify): quoting, OnFailure= and the alert template with its instance.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/alerts/command-line.js';
import { ALERT_UNIT, alertUnit, rotateService } from '../../src/alerts/systemd.js';
import { systemdUnits } from '../../src/schedule/units.js';
import { requireTool } from '../helpers/system-tools.js';

let analyze: string;
let dir: string;

beforeAll(async () => {
  analyze = await requireTool('systemd-analyze', 'systemd');
  dir = mkdtempSync(join(tmpdir(), 'deploy-tls-units-'));
}, 900_000);

function verify(...units: string[]) {
  const result = spawnSync(analyze, ['verify', '--man=no', ...units.map((u) => `./${u}`)], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('systemd units for scheduled rotation', () => {
  it('systemd accepts the rotate service with OnFailure= and the alert template instantiated for it', () => {
    const inventoryDir = join(dir, 'fleet 100%');
    mkdirSync(inventoryDir);
    writeFileSync(
      join(dir, 'deploy-tls-rotate.service'),
      rotateService({
        program: [process.execPath, '/usr/local/bin/deploy-tls'],
        inventory: join(inventoryDir, 'prod.yaml'),
        args: ['--prometheus', '/var/lib/node_exporter/textfile/deploy-tls.prom'],
        alert: true,
      }),
    );
    const alert = parseCommandLine(
      `${process.execPath} -e "console.log('rotation $1 failed: 100%')"`,
      '--on-failure',
    );
    writeFileSync(join(dir, ALERT_UNIT), alertUnit(alert));
    expect(verify('deploy-tls-rotate.service', 'deploy-tls-alert@deploy-tls-rotate.service.service')).toEqual(
      {
        code: 0,
        output: '',
      },
    );
  });

  it('systemd accepts what --print-systemd prints, with a $, a % and a space in every path', () => {
    const folder = join(dir, 'opt $HOME 100% x');
    mkdirSync(folder);
    // stand-ins for node, the deploy-tls bin link and the alert command: systemd checks each exists
    const program = (name: string) => {
      const file = join(folder, name);
      writeFileSync(file, '#!/bin/sh\n');
      chmodSync(file, 0o755);
      return file;
    };
    const printed = systemdUnits({
      schedule: '*/15 2-4 * * 1-5',
      jitterMs: 300_000,
      program: [program('node'), program('deploy-tls')],
      inventory: join(folder, 'prod.yaml'),
      args: [
        '--prometheus',
        join(folder, 'deploy-tls.prom'),
        '--on-failure',
        `${program('page')} "ops 100%"`,
      ],
      alert: [program('page'), 'ops 100%', '$HOME'],
    });
    const files = printed.split(/^(?=# \/etc\/systemd\/system\/)/m).map((unit) => {
      const name = /^# \/etc\/systemd\/system\/(\S+)/.exec(unit)?.[1] as string;
      writeFileSync(join(dir, name), unit);
      return name;
    });
    expect(files).toEqual(['deploy-tls-rotate.service', 'deploy-tls-rotate.timer', ALERT_UNIT]);
    writeFileSync(
      join(dir, 'deploy-tls-alert@deploy-tls-rotate.service.service'),
      printed.split(/^(?=# \/etc)/m)[2] as string,
    );
    expect(
      verify(
        'deploy-tls-rotate.service',
        'deploy-tls-rotate.timer',
        'deploy-tls-alert@deploy-tls-rotate.service.service',
      ),
    ).toEqual({ code: 0, output: '' });
  });

  it('is a check that does fail: an unbalanced quote or a missing program', () => {
    writeFileSync(join(dir, 'bad.service'), '[Service]\nType=oneshot\nExecStart="/usr/bin/env" "a\n');
    expect(verify('bad.service').code).not.toBe(0);
    writeFileSync(join(dir, 'missing.service'), '[Service]\nType=oneshot\nExecStart=/nonexistent/notify\n');
    expect(verify('missing.service').output).toContain('is not executable');
  });
});
