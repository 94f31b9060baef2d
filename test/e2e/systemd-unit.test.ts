// The ExecStart= and WorkingDirectory= that `rotate --print-systemd` writes, read by systemd's own
// parser: `systemd-analyze verify` resolves the executable of ExecStart= and fails when the
// unquoted path does not exist, so a path that arrives changed is caught. (No running systemd
// is needed.) The sandbox's prerequisites install systemd-analyze.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemdExecStart, systemdPath } from '../../src/schedule/quote.js';
import { run } from './support/fleet.js';

const work = mkdtempSync(path.join(tmpdir(), 'deploy-tls-systemd-'));

function unit(execStart: string, workingDirectory: string): string {
  const file = path.join(work, `deploy-tls-rotate-${Math.random().toString(36).slice(2, 8)}.service`);
  writeFileSync(
    file,
    `[Unit]\nDescription=test\n\n[Service]\nType=oneshot\nWorkingDirectory=${workingDirectory}\nExecStart=${execStart}\n`,
  );
  return file;
}

function program(folder: string): string {
  const dir = path.join(work, folder);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'node');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('systemd reads the unit as written', () => {
  it.each(['node 20', '$HOME and $' + '{HOME}', '100% %n %i', 'a;b|c&d>e<f*g?h[i]~j#k', 'ünïcödé'])(
    'an executable under "%s" is found, with hostile arguments after it',
    async (folder) => {
      const exe = program(folder);
      const args = [`${work}/cli $x %n "q" 'q' \\ ;`, 'rotate', '--inventory', `${work}/prod 100%.yaml`];
      const result = await run('systemd-analyze', [
        'verify',
        '--man=no',
        unit(systemdExecStart([exe, ...args]), systemdPath(path.dirname(exe))),
      ]);
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.code).toBe(0);
    },
  );

  it('the same path written unquoted is not found: the check above can fail', async () => {
    const exe = program('node 20 unquoted');
    const result = await run('systemd-analyze', ['verify', '--man=no', unit(exe, work)]);
    expect(result.code).not.toBe(0);
  });
});
