// Operations on the sandbox's real HiveMQ fleet: inspect a live listener over mutual TLS and a node's
// real keystore, and feed what status and verify report on a fleet with one broker down into the
// Prometheus textfile (judged by promtool) and the HTML report (judged by Chromium). The mapping from
// status/verify JSON below is the one the status and verify commands are to use.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNodeFile } from '../../scripts/sandbox/node-files.js';
import type { InspectReport } from '../../src/inspect/inspect.js';
import type { ListenerObservation } from '../../src/metrics/fleet.js';
import { updateTextfile } from '../../src/metrics/textfile.js';
import { type FleetReportInput, renderFleetReport } from '../../src/report/fleet-html.js';
import { requireTool } from '../helpers/system-tools.js';
import { brokerService, fleet, node, nodes, run, sshOk, waitUntilMqttAccepts } from './support/fleet.js';
import { resetToPlain } from './support/reset.js';
import { workspace } from './support/workspace.js';

const { work, caDir, secrets, deployTls, initCa, ok, writeInventory, issueClient } = workspace('operations');
let inventory: string;
let client: string;

interface StatusJson {
  nodes: {
    node: string;
    serial?: string;
    notAfter?: string;
    served?: string;
    servedIsRecorded: boolean;
    listener: string;
    sans: string[];
    lastChange?: { time: string; action: string; result: string };
    problem?: string;
  }[];
}
interface CaJson {
  root: { subject: string; serial: string; notAfter: string };
  intermediate: { subject: string; serial: string; notAfter: string };
}
interface VerifyJson {
  results: { node: string; check: string; ok: boolean; observed: string; hint?: string }[];
}

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

describe('metrics and the HTML report from a fleet with one broker down', () => {
  let status: StatusJson;
  let verify: VerifyJson;
  let ca: CaJson;
  const now = new Date();

  beforeAll(async () => {
    await brokerService(node(3), 'stop');
    status = JSON.parse(
      (await deployTls(['status', '--inventory', inventory, '--json'])).stdout,
    ) as StatusJson;
    const verified = await deployTls(['verify', '--inventory', inventory, '--json', '--timeout', '5']);
    expect(verified.code).toBe(1);
    verify = JSON.parse(verified.stdout) as VerifyJson;
    ca = JSON.parse((await ok(['ca', 'show', '--ca-dir', caDir, '--json'])).stdout) as CaJson;
  }, 300_000);

  it('promtool accepts the textfile; broker3 is down and the status run failed', async () => {
    const promtool = await requireTool('promtool', 'prometheus');
    const listeners: ListenerObservation[] = status.nodes.map((row) => ({
      node: row.node,
      listener: 'secure-listener',
      up: row.listener === 'reachable',
      servedNotAfter:
        row.served && row.served === row.serial && row.notAfter ? new Date(row.notAfter) : undefined,
      servedMatchesDeployed: row.servedIsRecorded,
    }));
    const file = path.join(work, 'deploy-tls.prom');
    await updateTextfile(file, {
      listeners,
      certificates: [
        { role: 'root', name: ca.root.subject, notAfter: new Date(ca.root.notAfter) },
        { role: 'intermediate', name: ca.intermediate.subject, notAfter: new Date(ca.intermediate.notAfter) },
      ],
      runs: [
        {
          command: 'status',
          finishedAt: now,
          success: listeners.every((l) => l.up && l.servedMatchesDeployed),
        },
      ],
    });
    const text = readFileSync(file, 'utf8');
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    expect(text).toContain('deploy_tls_listener_up{node="broker3",listener="secure-listener"} 0');
    expect(text).toContain('deploy_tls_listener_up{node="broker1",listener="secure-listener"} 1');
    expect(text).toContain(
      'deploy_tls_certificate_served_matches_deployed{node="broker2",listener="secure-listener"} 1',
    );
    expect(text).toContain('deploy_tls_last_run_success{command="status"} 0');
    expect(text.match(/deploy_tls_certificate_expiry_timestamp_seconds\{role="node"/g)).toHaveLength(2);
  });

  it('Chromium renders one row per node and marks broker3', async () => {
    const chromium = await requireTool('chromium', 'chromium');
    const input: FleetReportInput = {
      title: 'deploy-tls fleet report: sandbox',
      generatedAt: now,
      ca: {
        root: { ...ca.root, notAfter: new Date(ca.root.notAfter) },
        intermediate: { ...ca.intermediate, notAfter: new Date(ca.intermediate.notAfter) },
      },
      nodes: status.nodes.map((row) => ({
        node: row.node,
        served:
          row.served && row.notAfter
            ? { subject: '', serial: row.served, sans: row.sans, notAfter: new Date(row.notAfter) }
            : undefined,
        servedMatchesDeployed: row.servedIsRecorded,
        listenerUp: row.listener === 'reachable',
        lastChange: row.lastChange,
        problem: row.problem,
      })),
      checks: verify.results,
    };
    const page = path.join(work, 'report.html');
    writeFileSync(page, renderFleetReport(input));
    const profile = path.join(work, 'chromium-profile');
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
        `--user-data-dir=${profile}`,
        '--dump-dom',
        `file://${page}`,
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(dump.status, dump.stderr).toBe(0);
    const fleet = dump.stdout.split('<table class="fleet"')[1]?.split('</table>')[0] ?? '';
    const rows = [...fleet.matchAll(/data-node="([^"]+)" data-status="(\w+)"/g)];
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      ['broker1', 'ok'],
      ['broker2', 'ok'],
      ['broker3', 'failed'],
    ]);
    expect(dump.stdout).toContain('<td class="fail"');
  });
});
