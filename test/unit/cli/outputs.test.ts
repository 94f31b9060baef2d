// The textfile and page a command leaves behind: a run is recorded when it fails too, its own error
// wins over a textfile that cannot be written, and what it observed goes in with it.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/options.js';
import { recordedAction, recordRun, writePage } from '../../../src/cli/outputs.js';
import { DeployTlsError } from '../../../src/errors.js';

let dir: string;
let stderr: string;
const at = new Date('2026-11-27T03:00:00Z');
const io = () =>
  ({
    clock: { now: () => at },
    stderr: {
      write: (text: string) => {
        stderr += text;
        return true;
      },
    },
  }) as unknown as CliIo;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-tls-outputs-'));
  stderr = '';
});

const listener = {
  node: 'broker1',
  listener: 'secure-listener',
  up: false,
  servedMatchesDeployed: false,
};

describe('recordRun', () => {
  it('records a failed run as success 0 with what it observed, and rethrows its error', async () => {
    const file = join(dir, 'deploy-tls.prom');
    const failure = new DeployTlsError('1 of 1 nodes could not be read');
    await expect(
      recordRun(file, 'status', io(), async (observe) => {
        observe({ listeners: [listener] });
        throw failure;
      }),
    ).rejects.toBe(failure);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('deploy_tls_last_run_success{command="status"} 0');
    expect(text).toContain(`deploy_tls_last_run_timestamp_seconds{command="status"} ${at.getTime() / 1000}`);
    expect(text).toContain('deploy_tls_listener_up{node="broker1",listener="secure-listener"} 0');
  });

  it('records a run that fails before it observed anything, keeping what an earlier run saw', async () => {
    const file = join(dir, 'deploy-tls.prom');
    await recordRun(file, 'status', io(), async (observe) => observe({ listeners: [listener] }));
    expect(readFileSync(file, 'utf8')).toContain('deploy_tls_last_run_success{command="status"} 1');
    await expect(
      recordRun(file, 'rotate', io(), async () => {
        throw new Error('CA locked');
      }),
    ).rejects.toThrow('CA locked');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('deploy_tls_last_run_success{command="status"} 1');
    expect(text).toContain('deploy_tls_last_run_success{command="rotate"} 0');
    expect(text).toContain('deploy_tls_listener_up{node="broker1",listener="secure-listener"} 0');
  });

  it('a textfile that cannot be written fails a good run, and only is logged after a failed run', async () => {
    const gone = join(dir, 'gone', 'deploy-tls.prom');
    await expect(recordRun(gone, 'rotate', io(), async () => true)).rejects.toThrow('does not exist');
    await expect(
      recordRun(gone, 'rotate', io(), async () => {
        throw new Error('broker2 rolled back');
      }),
    ).rejects.toThrow('broker2 rolled back');
    expect(stderr).toContain(`! ${gone} not written`);
  });

  it('a recorded action refuses a bad textfile name before it runs', async () => {
    let ran = false;
    const action = recordedAction('status', io(), async () => {
      ran = true;
    });
    await expect(action({ prometheus: join(dir, 'metrics.txt') })).rejects.toThrow('*.prom');
    expect(ran).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writePage', () => {
  it('writes the page whole and world-readable, or names the file it could not write', async () => {
    const file = join(dir, 'fleet.html');
    await writePage(file, { title: 'fleet <1>', generatedAt: at, nodes: [] });
    expect(readFileSync(file, 'utf8')).toContain('<title>fleet &lt;1&gt;</title>');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    await expect(writePage(join(dir, 'no', 'fleet.html'), { title: 't', generatedAt: at })).rejects.toThrow(
      `cannot write the HTML report ${join(dir, 'no', 'fleet.html')}`,
    );
  });
});
