import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { updateTextfile } from '../../../src/metrics/textfile.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-tls-textfile-'));
});

const run = (command: string, success: boolean) => ({
  runs: [{ command, finishedAt: new Date('2026-01-01T00:00:00Z'), success }],
});

describe('updateTextfile', () => {
  it('writes a world-readable file and leaves no temp or lock file behind', async () => {
    const path = join(dir, 'deploy-tls.prom');
    await updateTextfile(path, run('status', true));
    await updateTextfile(path, run('rotate', false));
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('deploy_tls_last_run_success{command="status"} 1');
    expect(text).toContain('deploy_tls_last_run_success{command="rotate"} 0');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['deploy-tls.prom']);
  });

  it('refuses a name the textfile collector would ignore, and a missing folder, writing nothing', async () => {
    await expect(updateTextfile(join(dir, 'deploy-tls.txt'), run('status', true))).rejects.toThrow(
      /\*\.prom/,
    );
    await expect(updateTextfile(join(dir, 'nope', 'x.prom'), run('status', true))).rejects.toThrow(
      /does not exist/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('waits for a held lock, and takes over one left by a killed run', async () => {
    const path = join(dir, 'm.prom');
    writeFileSync(`${path}.lock`, '1\n');
    let clock = Date.now();
    const deps = {
      now: () => new Date(clock),
      sleep: async (ms: number) => {
        clock += ms;
      },
    };
    await expect(updateTextfile(path, run('status', true), deps)).rejects.toThrow(/held for 10 s/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(`${path}.lock`, old, old);
    await updateTextfile(path, run('status', true), deps);
    expect(readdirSync(dir)).toEqual(['m.prom']);
  });
});
