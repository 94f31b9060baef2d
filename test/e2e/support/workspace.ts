// One e2e file's own CA, throwaway secrets and inventories over the shared sandbox fleet.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { E2E_NODES, layout, run } from './fleet.js';

export type InventoryDoc = {
  ca: { dir: string; password: unknown };
  defaults: { tls: Record<string, unknown>; ssh: Record<string, unknown> };
  nodes: {
    name: string;
    groups?: string[];
    tls?: { listener?: Record<string, unknown> };
    hivemq?: Record<string, unknown>;
  }[];
};

export const CLI = path.join(layout.repoRoot, 'dist', 'cli', 'main.js');

/** `nodes`: how many of the sandbox's nodes this file's inventories hold (a bigger fleet may be up). */
export function workspace(name: string, { nodes = E2E_NODES }: { nodes?: number } = {}) {
  // Throwaway secrets for this file only; they reach the CLI through its environment, never argv.
  const secrets = {
    DEPLOY_TLS_CA_PASSWORD: `ca-${randomBytes(12).toString('hex')}`,
    HIVEMQ_KEYSTORE_PASSWORD: `ks-${randomBytes(12).toString('hex')}`,
    HIVEMQ_TRUSTSTORE_PASSWORD: `ts-${randomBytes(12).toString('hex')}`,
  };
  const env = { ...process.env, ...secrets };
  const work = mkdtempSync(path.join(tmpdir(), `deploy-tls-e2e-${name}-`));
  const caDir = path.join(work, 'pki');
  const deployTls = (args: string[], timeoutMs = 240_000, extraEnv: NodeJS.ProcessEnv = {}) =>
    run('node', [CLI, ...args], { env: { ...env, ...extraEnv }, timeoutMs });
  /** Succeeds or fails the test with the command's output. */
  const ok = async (args: string[], timeoutMs?: number) => {
    const result = await deployTls(args, timeoutMs);
    if (result.code !== 0)
      throw new Error(
        `deploy-tls ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
      );
    return result;
  };
  const chain = path.join(caDir, 'intermediate', 'certs', 'ca-chain.cert.pem');
  const client = path.join(work, 'mqtt-client');
  return {
    secrets,
    work,
    caDir,
    chain,
    client,
    deployTls,
    /**
     * What a listener serves, as openssl s_client sees it with this CA's chain and the mqtt-client
     * bundle (chain verified, the name checked): its output, the leaf's serial, and `openssl x509`'s
     * serial and SAN lines.
     */
    async served(address: string, host: string, port = 8883) {
      const result = await run(
        'openssl',
        [
          ...['s_client', '-connect', `${address}:${port}`, '-servername', host],
          ...['-CAfile', chain, '-verify_hostname', host],
          ...['-cert', path.join(client, 'mqtt-client.cert.pem')],
          ...['-key', path.join(client, 'mqtt-client.key.pem')],
        ],
        { timeoutMs: 20_000 },
      );
      const pem =
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(result.stdout)?.[0] ?? '';
      const file = path.join(work, `served-${address}-${port}.pem`);
      writeFileSync(file, pem);
      const x509 = ['x509', '-in', file, '-noout', '-serial', '-ext', 'subjectAltName'];
      const text = (await run('openssl', x509)).stdout;
      return { output: result.stdout, serial: /serial=(\w+)/.exec(text)?.[1] ?? '', text };
    },
    /** mqtt.js options for mutual TLS on 8883 with the mqtt-client bundle: one attempt, no retries. */
    mqttTls: () => ({
      protocol: 'mqtts' as const,
      port: 8883,
      ca: readFileSync(chain),
      cert: readFileSync(path.join(client, 'mqtt-client.cert.pem')),
      key: readFileSync(path.join(client, 'mqtt-client.key.pem')),
      rejectUnauthorized: true,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    }),
    ok,
    /** A CA of this workspace's own (optionally with a subject). */
    initCa: (subject?: string) =>
      ok(['ca', 'init', '--ca-dir', caDir, ...(subject ? ['--subject', subject] : [])]),
    /** A client bundle with a plain PEM key (mosquitto cannot prompt), in work/<name>. */
    issueClient: async (name: string) => {
      const out = path.join(work, name);
      await ok(['issue', 'client', '--ca-dir', caDir, '--name', name, '--out', out, '--plain-key']);
      return out;
    },
    /** The sandbox inventory with this workspace's CA and secrets, optionally changed. */
    writeInventory(file: string, change: (doc: InventoryDoc) => void = () => {}): string {
      const doc = parse(readFileSync(layout.inventory, 'utf8')) as InventoryDoc;
      if (doc.nodes.length < nodes)
        throw new Error(`the sandbox runs ${doc.nodes.length} nodes, not ${nodes}`);
      doc.nodes = doc.nodes.slice(0, nodes);
      doc.ca.dir = caDir;
      doc.ca.password = { env: 'DEPLOY_TLS_CA_PASSWORD' };
      doc.defaults.tls.keystore = { password: { env: 'HIVEMQ_KEYSTORE_PASSWORD' } };
      doc.defaults.tls.truststore = { password: { env: 'HIVEMQ_TRUSTSTORE_PASSWORD' } };
      change(doc);
      const target = path.join(work, file);
      writeFileSync(target, stringify(doc));
      return target;
    },
  };
}
