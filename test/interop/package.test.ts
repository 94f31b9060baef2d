// The npm package as a user gets it: `npm pack`, installed globally into an empty prefix, run from a
// folder outside the checkout. Proves the tarball carries everything (templates, dependencies) and
// that nothing reaches back into the checkout.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli } from '../helpers/cli.js';
import { CRON_LOG, cronCommand } from '../helpers/cron.js';
import { bashComplete } from '../helpers/shell-completion.js';
import { requireTool } from '../helpers/system-tools.js';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(CHECKOUT, 'package.json'), 'utf8')) as { version: string };
const env = { DEPLOY_TLS_CA_PASSWORD: 'ca-Secret-1-of-12+', HIVEMQ_KEYSTORE_PASSWORD: 'store-Secret-2' };
let prefix: string;
let elsewhere: string;
let bin: string;

beforeAll(() => {
  requireBuiltCli(); // npm test builds first; packing here must not rebuild dist under parallel test files
  const work = mkdtempSync(join(tmpdir(), 'deploy-tls-package-'));
  prefix = join(work, 'prefix');
  elsewhere = join(work, 'elsewhere');
  mkdirSync(elsewhere);
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: CHECKOUT,
      encoding: 'utf8',
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const [tarball] = packed;
  if (!tarball) throw new Error('npm pack made no tarball');
  expect(tarball.files.map((f) => f.path)).toEqual(
    expect.arrayContaining([
      'dist/cli/bin.cjs',
      'dist/cli/main.js',
      'templates/ca-openssl.cnf',
      'templates/intermediate-openssl.cnf',
    ]),
  );
  expect(
    tarball.files.filter(
      (f) => !/^(dist\/.*\.c?js|templates\/.*|README\.md|package\.json|inventory\..*)$/.test(f.path),
    ),
  ).toEqual([]);
  execFileSync(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, tarball.filename),
    ],
    { cwd: elsewhere, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  bin = join(prefix, 'bin', 'deploy-tls');
}, 600_000);

/** The installed command, found on PATH, run from a folder that is no checkout. */
function installed(args: string[]) {
  const result = spawnSync('deploy-tls', args, {
    cwd: elsewhere,
    env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: elsewhere, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the packed package, installed globally', () => {
  it('is the installed copy, not the checkout', () => {
    const target = realpathSync(bin);
    expect(target).toBe(join(realpathSync(prefix), 'lib/node_modules/deploy-tls/dist/cli/bin.cjs'));
    expect(target.startsWith(realpathSync(CHECKOUT))).toBe(false);
    expect(installed(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('creates a CA from its own templates and issues a node keystore keytool reads', () => {
    const init = installed(['ca', 'init', '--ca-dir', 'pki']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const cnf = readFileSync(join(elsewhere, 'pki/intermediate/intermediate-openssl.cnf'), 'utf8');
    expect(cnf).toContain(`dir               = ${join(elsewhere, 'pki/intermediate')}`);
    const issued = installed(['issue', 'node', '--name', 'broker1', '--san', 'DNS:broker1.example.com']);
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    const keytool = execFileSync(
      'keytool',
      ['-list', '-keystore', 'out/broker1/hivemq-keystore.jks', '-storepass:env', 'HIVEMQ_KEYSTORE_PASSWORD'],
      { cwd: elsewhere, env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    expect(keytool).toContain('broker1, ');
    expect(keytool).toContain('PrivateKeyEntry');
    const inspected = installed(['inspect', 'out/broker1/hivemq-keystore.jks', '--ca-dir', 'pki']);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain('chains to CA pki: yes');
  });

  it('prints a bash completion that completes the installed command', () => {
    const script = installed(['completion', 'bash']);
    expect(script.code).toBe(0);
    expect(bashComplete(script.stdout, ['deploy-tls', 'ca', ''], elsewhere)).toEqual([
      'init',
      'show',
      'rollover',
      '-h',
      '--help',
    ]);
  });

  it('prints a systemd unit and a crontab line that run the installed command, as systemd and cron read them', async () => {
    const fleet = join(elsewhere, 'fleet 100% $x');
    mkdirSync(fleet);
    const inventory = join(fleet, 'prod.yaml');
    const schedule = ['rotate', '--inventory', inventory, '--schedule', '0 3 * * *'];
    const units = installed([
      ...schedule,
      '--print-systemd',
      '--on-failure',
      '/usr/bin/logger -t deploy-tls',
    ]);
    expect(units.stderr).toBe(''); // no warning: this is an installed package
    expect(units.code).toBe(0);
    const quoted = inventory.replace(/%/g, '%%').replace(/\$/g, '$$$$');
    const execStart = units.stdout.split('\n').find((line) => line.startsWith('ExecStart="/'));
    expect(execStart).toContain(` "${bin}" "rotate" "--inventory" "${quoted}" "--on-failure" `);
    const analyze = await requireTool('systemd-analyze', 'systemd');
    const unitDir = mkdtempSync(join(tmpdir(), 'deploy-tls-installed-units-'));
    const [service, timer, alert] = units.stdout.split(/^(?=# \/etc\/systemd\/system\/)/m);
    writeFileSync(join(unitDir, 'deploy-tls-rotate.service'), service as string);
    writeFileSync(join(unitDir, 'deploy-tls-rotate.timer'), timer as string);
    writeFileSync(join(unitDir, 'deploy-tls-alert@deploy-tls-rotate.service.service'), alert as string);
    const verified = spawnSync(
      analyze,
      [
        'verify',
        '--man=no',
        './deploy-tls-rotate.service',
        './deploy-tls-rotate.timer',
        './deploy-tls-alert@deploy-tls-rotate.service.service',
      ],
      { cwd: unitDir, encoding: 'utf8' },
    );
    expect(`${verified.stdout}${verified.stderr}`).toBe('');
    expect(verified.status).toBe(0);

    const cron = installed([...schedule, '--print-cron']);
    expect(cron.stderr).toBe('');
    const entry = cron.stdout.split('\n').find((line) => line.startsWith('0 3 * * * '));
    // as cron would run it: the installed command starts in the inventory's folder and gets its path unchanged
    const ran = spawnSync('/bin/sh', ['-c', cronCommand(entry as string).replace(CRON_LOG, '')], {
      env: { PATH: '/usr/bin:/bin', HOME: elsewhere },
      encoding: 'utf8',
    });
    expect(ran.stderr).toContain(`cannot read the inventory ${inventory}`);
    expect(ran.status).toBe(2);
  });
});
