// rotate's hooks, run as real child processes (Node itself as the hook): what reaches the hook after
// a failed rotation, and that its end is logged and changes nothing.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { hookOption, remembering, runRotationHook } from '../../../src/cli/hooks.js';
import type { CliIo } from '../../../src/cli/options.js';
import { DeployTlsError, InputError } from '../../../src/errors.js';
import type { RolloutReport } from '../../../src/rollout/report.js';
import { Secret } from '../../../src/secret.js';

const dir = mkdtempSync(join(tmpdir(), 'deploy-tls-hooks-'));
const io = {
  cwd: dir,
  clock: { now: () => new Date('2026-11-27T03:02:00Z') },
  env: { PATH: process.env.PATH, DEPLOY_TLS_CA_PASSWORD: 'ca-password-1234' },
} as unknown as CliIo;

/** A hook that keeps its stdin and the names of its environment variables in `file`. */
const recorder = (file: string) => [
  process.execPath,
  '-e',
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>require("fs").writeFileSync(process.argv[1],JSON.stringify({stdin:s,env:process.env})))',
  file,
];

const report = {
  ok: false,
  plan: { nodes: [], problems: [] },
  clients: [{ name: 'app', status: 'unchanged', serial: 'D4', out: '/srv/app' }],
  nodes: [
    { node: 'broker1', status: 'deployed', action: 'hot-reload', serial: 'A1' },
    {
      node: 'broker2',
      status: 'rolled-back',
      action: 'hot-reload',
      error: new DeployTlsError('keystore password store-password-5678 refused', { node: 'broker2' }),
    },
  ],
} as unknown as RolloutReport;

describe('rotate hooks', () => {
  it('--on-failure gets the failed node, its error without the password, and a bare environment', async () => {
    const file = join(dir, 'failure.json');
    const lines: string[] = [];
    const secrets: Secret[] = [];
    const resolve = remembering(async () => new Secret('store-password-5678', 'env X'), secrets);
    await resolve({ env: 'X' }, 'keystore password');
    await runRotationHook(
      { onFailure: recorder(file), onSuccess: ['/nonexistent'] },
      { startedAt: new Date('2026-11-27T03:00:00Z'), report, secrets },
      { ok: false, error: new DeployTlsError('rollout stopped: broker2 rolled-back') },
      io,
      (line) => lines.push(line),
    );
    const got = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.parse(got.stdin)).toEqual({
      version: 1,
      command: 'rotate',
      event: 'failure',
      ok: false,
      startedAt: '2026-11-27T03:00:00.000Z',
      finishedAt: '2026-11-27T03:02:00.000Z',
      nodes: [
        { node: 'broker1', result: 'deployed', serial: 'A1' },
        { node: 'broker2', result: 'rolled-back', error: 'keystore password *** refused' },
      ],
      clients: [],
      error: 'rollout stopped: broker2 rolled-back',
    });
    expect(got.stdin).not.toContain('store-password-5678');
    expect(Object.keys(got.env)).not.toContain('DEPLOY_TLS_CA_PASSWORD');
    expect(got.env.DEPLOY_TLS_HOOK_EVENT).toBe('failure');
    expect(lines).toEqual([expect.stringMatching(/^--on-failure .* exited 0$/)]);
  });

  it('a failing or missing hook is logged, not thrown; no hook runs for an outcome without one', async () => {
    const lines: string[] = [];
    const record = { startedAt: new Date(), secrets: [] };
    await runRotationHook(
      { onSuccess: [process.execPath, '-e', 'console.error("no route to pager");process.exit(4)'] },
      record,
      { ok: true, value: true },
      io,
      (l) => lines.push(l),
    );
    await runRotationHook({ onSuccess: ['/nonexistent/page'] }, record, { ok: true, value: true }, io, (l) =>
      lines.push(l),
    );
    await runRotationHook(
      { onSuccess: ['/nonexistent/page'] },
      record,
      { ok: false, error: new Error('x') },
      io,
      (l) => lines.push(l),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^! --on-success .* exited 4: no route to pager$/),
      '! --on-success /nonexistent/page: could not start: spawn /nonexistent/page ENOENT',
    ]);
  });

  it('is split when the command line is read: a bad one is refused, a relative program made absolute', async () => {
    const command = () =>
      new Command()
        .exitOverride()
        .addOption(hookOption('--on-failure', io))
        .action(() => {});
    const parsed = command().parse(['--on-failure', './bin/page "ops team"'], { from: 'user' });
    expect(parsed.opts().onFailure).toEqual([join(dir, 'bin/page'), 'ops team']);
    expect(() => command().parse(['--on-failure', 'page "ops'], { from: 'user' })).toThrow(InputError);
  });
});
