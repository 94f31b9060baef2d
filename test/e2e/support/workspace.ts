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
  return {
    secrets,
    work,
    caDir,
    chain: path.join(caDir, 'intermediate', 'certs', 'ca-chain.cert.pem'),
    client: path.join(work, 'mqtt-client'),
    deployTls,
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
