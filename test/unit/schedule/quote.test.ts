// The printed crontab line and systemd unit must hand deploy-tls exactly the paths they name.
// crontab: cron's own "%" rule (ported below from cronie's do_command.c), then the real sh.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  crontabCommand,
  crontabWord,
  systemdExecStart,
  systemdExecWord,
  systemdPath,
} from '../../../src/schedule/quote.js';

const HOSTILE = [
  '/srv/deploy tls/prod.yaml',
  "/srv/it's/prod.yaml",
  '/srv/$(touch /tmp/PWNED)/`id`/prod.yaml',
  '/srv/50%/100%%/x\\%y/prod.yaml',
  '/srv/a;b|c&d>e<f*g?h[i]~j#k/prod.yaml',
  '/srv/"quoted"/back\\slash/prod.yaml',
  '/srv/ünïcödé/prod.yaml',
];

/** What cron does to a command field before sh sees it (crontab(5); cronie do_command.c). */
function cronPercent(field: string): { command: string; stdin: string } {
  let out = '';
  let escaped = false;
  for (let i = 0; i < field.length; i++) {
    const ch = field[i] as string;
    if (escaped) {
      out = ch === '%' ? `${out.slice(0, -1)}%` : out + ch;
      escaped = false;
      continue;
    }
    if (ch === '\\') escaped = true;
    if (ch === '%') return { command: out, stdin: field.slice(i + 1) };
    out += ch;
  }
  return { command: out, stdin: '' };
}

describe('crontab', () => {
  it('every hostile path reaches the program as one and the same argument', () => {
    const field = crontabCommand(['printf', '%s\\n', ...HOSTILE]);
    const { command, stdin } = cronPercent(field);
    expect(stdin).toBe(''); // no "%" was left to cut the command short
    const result = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${HOSTILE.join('\n')}\n`);
  });

  it('leaves plain paths readable and refuses a line break', () => {
    expect(crontabWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(crontabWord('/srv/50%')).toBe("/srv/50\\%''");
    expect(crontabWord('/srv/x\\%y')).toBe("'/srv/x\\'\\%y");
    expect(() => crontabWord('/srv/a\nb')).toThrow(/control character/);
  });
});

describe('systemd', () => {
  it('quotes arguments per systemd.service(5): C escapes in double quotes, %% and $$', () => {
    expect(systemdExecWord('/srv/deploy tls/prod.yaml')).toBe('"/srv/deploy tls/prod.yaml"');
    expect(systemdExecWord('/a/"b"\\c')).toBe('"/a/\\"b\\"\\\\c"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's variable syntax, quoted away
    expect(systemdExecWord('/a/$HOME/${X}/50%')).toBe('"/a/$$HOME/$${X}/50%%"');
    expect(systemdExecWord(';')).toBe('\\;');
    expect(() => systemdExecWord('/a\tb')).toThrow(/control character/);
  });

  it('writes the executable without $ doubling (it is never expanded) and refuses what systemd refuses', () => {
    expect(
      systemdExecStart(['/opt/node 20/bin/node', '/srv/cli.js', 'rotate', '--inventory', '/srv/$x.yaml']),
    ).toBe('"/opt/node 20/bin/node" "/srv/cli.js" "rotate" "--inventory" "/srv/$$x.yaml"');
    expect(systemdExecStart(['/opt/$n%/node'])).toBe('"/opt/$n%%/node"');
    expect(() => systemdExecStart(["/opt/it's/node"])).toThrow(/systemd cannot run/);
    expect(() => systemdExecStart(['node'])).toThrow('systemd cannot run "node" from ExecStart=');
  });

  it('writes path settings unquoted with %% and refuses what the line syntax would change', () => {
    expect(systemdPath('/srv/deploy tls/50%')).toBe('/srv/deploy tls/50%%');
    for (const bad of ['relative', '/srv/trailing ', '/srv/joins\\', '/srv/a\nb'])
      expect(() => systemdPath(bad)).toThrow();
  });
});
