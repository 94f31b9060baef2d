// Operations on the sandbox's real HiveMQ fleet: inspect a live listener over mutual TLS and a node's
// real keystore; a rotation that fails on one node, with the textfile and hooks it leaves; and what
// status and verify write for a fleet with one broker down: the Prometheus textfile (judged by
// promtool) and the HTML report (judged by Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNodeFile } from '../../scripts/sandbox/node-files.js';
import type { HookSummary } from '../../src/alerts/hooks.js';
import type { InspectReport } from '../../src/inspect/inspect.js';
import { requireTool } from '../helpers/system-tools.js';
import { brokerService, fleet, node, nodes, run, waitUntilMqttAccepts } from './support/fleet.js';
import { resetToPlain } from './support/reset.js';
import { workspace } from './support/workspace.js';

const { work, caDir, secrets, deployTls, initCa, ok, writeInventory, issueClient } = workspace('operations');
let inventory: string;
let client: string;

const textfile = path.join(work, 'deploy-tls.prom');

beforeAll(async () => {
  await resetToPlain(nodes);
  await initCa();
  inventory = writeInventory('inventory.yaml');
  await ok(['--inventory', inventory]);
  client = await issueClient('app-client');
}, 300_000);

afterAll(async () => {
  await brokerService(node(3), 'start');
  await waitUntilMqttAccepts(node(3));
}, 120_000);

describe('inspect on the live fleet', () => {
  it('reads the chain broker1 serves over mutual TLS: the ledger serial, chained to the CA, as openssl sees it', async () => {
    const target = `${node(1).address}:8883`;
    const result = await deployTls([
      'inspect',
      target,
      '--client-bundle',
      client,
      '--ca-dir',
      caDir,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as InspectReport;
    const ledger = readFileSync(path.join(caDir, 'deployments.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const deployed = ledger.filter((e: { node: string }) => e.node === 'broker1').at(-1);
    const [leaf] = report.entries[0]?.certificates ?? [];
    expect(leaf?.serial).toBe(deployed.serial);
    expect(report.entries[0]?.chainsToCa?.ok).toBe(true);
    expect(report.tls).toMatchObject({ nameMatches: true });
    expect(report.tls?.clientCertificate).toContain('CN=app-client');
    const sClient = spawnSync(
      'openssl',
      [
        's_client',
        '-connect',
        target,
        '-cert',
        path.join(client, 'app-client.cert.pem'),
        '-key',
        path.join(client, 'app-client.key.pem'),
      ],
      { input: '', encoding: 'utf8', timeout: 30_000 },
    );
    const pem =
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(sClient.stdout)?.[0] ?? '';
    const x509 = spawnSync('openssl', ['x509', '-noout', '-serial', '-fingerprint', '-sha256'], {
      input: pem,
      encoding: 'utf8',
    });
    expect(x509.stdout).toContain(`serial=${leaf?.serial}`);
    expect(x509.stdout).toContain(`Fingerprint=${leaf?.sha256}`);
  });

  it("reads broker2's own keystore file with the inventory's password, as keytool lists it", async () => {
    // A copy on this machine of the file on broker2.
    const keystore = path.join(work, 'broker2-keystore.jks');
    writeFileSync(keystore, await readNodeFile(fleet, node(2), '/etc/ssl/hivemq/hivemq-keystore.jks'));
    // the workspace's environment holds the inventory's keystore password
    const result = await deployTls(['inspect', keystore, '--ca-dir', caDir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as InspectReport;
    const keytool = await run(
      'keytool',
      ['-list', '-v', '-keystore', keystore, '-storepass:env', 'HIVEMQ_KEYSTORE_PASSWORD'],
      {
        env: { ...process.env, HIVEMQ_KEYSTORE_PASSWORD: secrets.HIVEMQ_KEYSTORE_PASSWORD },
      },
    );
    for (const cert of report.entries[0]?.certificates ?? [])
      expect(keytool.stdout).toContain(`SHA256: ${cert.sha256}`);
    expect(report.entries[0]?.certificates[0]?.sans).toContain(`DNS:${node(2).host}`);
    expect(report.entries[0]?.chainsToCa?.ok).toBe(true);
  });
});

describe('a rotation that fails on one node', () => {
  // A hook that keeps what it was given: its stdin and its environment, in the file named by its argument.
  const hook = path.join(work, 'hook.cjs');
  const hookCommand = (out: string) => `${process.execPath} ${hook} ${path.join(work, out)}`;
  const given = (out: string) =>
    JSON.parse(readFileSync(path.join(work, out), 'utf8')) as { stdin: string; env: Record<string, string> };
  // the new client bundle's own password, in a file as the inventory asks for it
  const appPassword = path.join(work, 'app.pass');
  const appSecret = `app-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const noSecretIn = (text: string) => {
    for (const secret of [...Object.values(secrets), appSecret]) expect(text).not.toContain(secret);
  };

  beforeAll(() => {
    writeFileSync(appPassword, `${appSecret}\n`, { mode: 0o600 });
    writeFileSync(
      hook,
      `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () =>
  require('node:fs').writeFileSync(process.argv[2], JSON.stringify({ stdin: s, env: process.env })));\n`,
    );
  });

  it('sets deploy_tls_last_run_success{command="rotate"} 0 and runs --on-failure with the failed node and no password', async () => {
    const withGhost = writeInventory('ghost.yaml', (doc) => {
      doc.nodes.push({
        name: 'broker9',
        host: 'broker9.deploy-tls.test',
        address: fleet.address(99),
      } as never);
    });
    const result = await deployTls([
      'rotate',
      '--inventory',
      withGhost,
      '--nodes',
      'broker1,broker9',
      '--force',
      '--prometheus',
      textfile,
      '--on-failure',
      hookCommand('failure.json'),
      '--on-success',
      hookCommand('success.json'),
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^--on-failure .*hook\.cjs .*failure\.json: exited 0$/m);
    expect(existsSync(path.join(work, 'success.json'))).toBe(false);

    const text = readFileSync(textfile, 'utf8');
    expect(text).toContain('deploy_tls_last_run_success{command="rotate"} 0');
    const promtool = await requireTool('promtool', 'prometheus');
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);

    const { stdin, env } = given('failure.json');
    const summary = JSON.parse(stdin) as HookSummary;
    expect(summary).toMatchObject({ version: 1, command: 'rotate', event: 'failure', ok: false });
    expect(summary.nodes.map((n) => [n.node, n.result])).toEqual([
      ['broker1', 'deployed'],
      ['broker9', 'failed'],
    ]);
    expect(summary.nodes[1]?.error).toContain(`cannot connect to ${fleet.login.user}@${fleet.address(99)}`);
    expect(summary.error).toContain('broker9 failed');
    noSecretIn(stdin);
    noSecretIn(JSON.stringify(env));
    expect(Object.keys(env).filter((name) => /PASSWORD/.test(name))).toEqual([]);
    expect(env.DEPLOY_TLS_HOOK_EVENT).toBe('failure');
  });

  it("renews a new client bundle, runs its onRenew and --on-success, and records the run's success", async () => {
    const withApp = writeInventory('app.yaml', (doc) => {
      (doc as unknown as { clients: unknown[] }).clients.push({
        name: 'app',
        out: path.join(work, 'app'),
        password: { file: appPassword },
        onRenew: hookCommand('renewed.json'),
      });
    });
    const result = await deployTls([
      'rotate',
      '--inventory',
      withApp,
      '--prometheus',
      textfile,
      '--on-success',
      hookCommand('success.json'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /client app: issued [0-9A-F]+ \(no bundle yet\); bundle in .*; onRenew exited 0$/m,
    );
    const renewed = given('renewed.json');
    const summary = JSON.parse(renewed.stdin) as HookSummary;
    expect(summary).toMatchObject({ event: 'client-renewed', command: 'rotate', ok: true });
    const [app] = summary.clients;
    expect(app?.name).toBe('app');
    expect(app?.files).toContain(path.join(work, 'app', 'app.cert.pem'));
    // the serial the hook was told is the one in the bundle, as openssl reads it
    const x509 = spawnSync(
      'openssl',
      ['x509', '-noout', '-serial', '-in', path.join(work, 'app', 'app.cert.pem')],
      {
        encoding: 'utf8',
      },
    );
    expect(x509.stdout.trim()).toBe(`serial=${app?.serial}`);
    noSecretIn(renewed.stdin);
    noSecretIn(JSON.stringify(renewed.env));
    expect(renewed.env.DEPLOY_TLS_HOOK_EVENT).toBe('client-renewed');
    expect(JSON.parse(given('success.json').stdin)).toMatchObject({ event: 'success', ok: true });
    expect(readFileSync(textfile, 'utf8')).toContain('deploy_tls_last_run_success{command="rotate"} 1');
  });
});

describe('status and verify of a fleet with one broker down', () => {
  const statusPage = path.join(work, 'status.html');
  const verifyPage = path.join(work, 'verify.html');
  let status: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    await brokerService(node(3), 'stop');
    status = await deployTls([
      'status',
      '--inventory',
      inventory,
      '--prometheus',
      textfile,
      '--html',
      statusPage,
    ]);
    const verified = await deployTls([
      'verify',
      '--inventory',
      inventory,
      '--timeout',
      '5',
      '--html',
      verifyPage,
    ]);
    expect(verified.code).toBe(1);
  }, 300_000);

  it("status --prometheus: promtool accepts the file; broker3 is down, the run failed, rotate's run is kept", async () => {
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('broker3');
    const text = readFileSync(textfile, 'utf8');
    const promtool = await requireTool('promtool', 'prometheus');
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    expect(statSync(textfile).mode & 0o777).toBe(0o644);
    expect(text).toContain('deploy_tls_listener_up{node="broker3",listener="secure-listener"} 0');
    expect(text).toContain('deploy_tls_listener_up{node="broker1",listener="secure-listener"} 1');
    expect(text).toContain(
      'deploy_tls_certificate_served_matches_deployed{node="broker2",listener="secure-listener"} 1',
    );
    expect(text).toContain('deploy_tls_last_run_success{command="status"} 0');
    expect(text).toContain('deploy_tls_last_run_success{command="rotate"} 1'); // merged, not overwritten
    expect(text.match(/deploy_tls_certificate_expiry_timestamp_seconds\{role="node"/g)).toHaveLength(2);
    for (const role of ['root', 'intermediate'])
      expect(text).toMatch(
        new RegExp(`deploy_tls_certificate_expiry_timestamp_seconds\\{role="${role}",name="[^"]+"\\} \\d+`),
      );
    // the client bundle's expiry is the notAfter openssl reads from its cert.pem
    const endDate = spawnSync(
      'openssl',
      [
        'x509',
        '-noout',
        '-enddate',
        '-in',
        path.join(work, 'clients', 'mqtt-client', 'mqtt-client.cert.pem'),
      ],
      { encoding: 'utf8' },
    ).stdout.replace(/^notAfter=/, '');
    expect(text).toContain(
      `deploy_tls_certificate_expiry_timestamp_seconds{role="client",name="mqtt-client"} ${new Date(endDate).getTime() / 1000}`,
    );
  });

  it('status --html and verify --html: Chromium renders one row per node and marks broker3', async () => {
    const chromium = await requireTool('chromium', 'chromium');
    const render = (page: string) => {
      const dump = spawnSync(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${path.join(work, 'chromium-profile')}`,
          '--dump-dom',
          `file://${page}`,
        ],
        { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      );
      expect(dump.status, dump.stderr).toBe(0);
      return dump.stdout;
    };
    const rowsOf = (html: string, table: string) =>
      [
        ...(html.split(`<table class="${table}"`)[1]?.split('</table>')[0] ?? '').matchAll(
          /data-node="([^"]+)" data-status="(\w+)"/g,
        ),
      ].map((r) => [r[1], r[2]]);
    const expected = [
      ['broker1', 'ok'],
      ['broker2', 'ok'],
      ['broker3', 'failed'],
    ];
    const statusDom = render(statusPage);
    expect(rowsOf(statusDom, 'fleet')).toEqual(expected);
    expect(statusDom).toContain('data-ca="root CA"');
    const verifyDom = render(verifyPage);
    expect(rowsOf(verifyDom, 'matrix')).toEqual(expected);
    expect(verifyDom).toContain('<td class="fail"');
    expect(statSync(verifyPage).mode & 0o777).toBe(0o644);
  });
});
