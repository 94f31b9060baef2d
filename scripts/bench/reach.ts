// npm run bench:reach [-- --reruns 3]
// The cost of a jump host: the full rollout (`deploy-tls --inventory`, from plain nodes: issue,
// push, restart, health gate) of broker1..3 straight to their sshd, then the same three nodes
// through bastion0 (one shared connection to it), in the same run; then no-change reruns of both
// (connect + read facts + plan: where SSH is most of the time), alternating. Needs the sandbox up
// with the reach test bed: npm run sandbox -- up --reach.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { $ } from 'zx';
import { stockConfigXml } from '../sandbox/broker.js';
import { nodeLayout, sandboxLayout } from '../sandbox/layout.js';
import { holderPid, inNamespace } from '../sandbox/namespace.js';
import { mqttAccepts } from '../sandbox/probes.js';
import { waitFor } from '../sandbox/processes.js';
import { reachLayout, reachRunning } from '../sandbox/reach.js';

const { values } = parseArgs({ options: { reruns: { type: 'string', default: '3' } } });
const reruns = Number(values.reruns);
const layout = sandboxLayout();
if (!reachRunning(layout)) throw new Error('the reach test bed is not up: npm run sandbox -- up --reach');
const reach = reachLayout(layout);
const nodes = [1, 2, 3].map((index) => nodeLayout(layout, index));
const cli = path.join(layout.repoRoot, 'dist', 'cli', 'main.js');

const work = mkdtempSync(path.join(tmpdir(), 'deploy-tls-bench-reach-'));
const env = {
  ...process.env,
  DEPLOY_TLS_CA_PASSWORD: randomBytes(12).toString('hex'),
  HIVEMQ_KEYSTORE_PASSWORD: randomBytes(12).toString('hex'),
  HIVEMQ_TRUSTSTORE_PASSWORD: randomBytes(12).toString('hex'),
};
const deployTls = $({ env, quiet: true });

function inventory(name: string, viaBastion: boolean): string {
  const doc = parse(readFileSync(layout.inventory, 'utf8'));
  doc.ca.dir = path.join(work, 'pki');
  doc.ca.password = { env: 'DEPLOY_TLS_CA_PASSWORD' };
  doc.defaults.tls.keystore = { password: { env: 'HIVEMQ_KEYSTORE_PASSWORD' } };
  doc.defaults.tls.truststore = { password: { env: 'HIVEMQ_TRUSTSTORE_PASSWORD' } };
  doc.clients = [];
  doc.nodes = doc.nodes.slice(0, 3);
  doc.defaults.ssh.knownHosts = reach.knownHosts;
  doc.defaults.ssh.configFile = viaBastion ? reach.sshConfig : 'none';
  if (viaBastion) doc.defaults.ssh.proxyJump = 'bastion0';
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

async function resetToPlain(): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      writeFileSync(path.join(node.homeDir, 'conf', 'config.xml'), stockConfigXml(node));
      for (const entry of readdirSync(node.sslDir))
        rmSync(path.join(node.sslDir, entry), { recursive: true });
      const holder = holderPid(node);
      if (holder === undefined) throw new Error(`${node.name} is not running: npm run sandbox -- up`);
      await $({ quiet: true })`${inNamespace(holder)} /opt/hivemq/bin/hivemq-service restart`;
      await waitFor(
        `${node.name} plain MQTT`,
        async () => (await mqttAccepts(node.address, 1883)) || undefined,
        {
          timeoutMs: 60_000,
        },
      );
    }),
  );
}

async function timed(file: string): Promise<number> {
  const started = performance.now();
  await deployTls`node ${cli} --inventory ${file} --json`;
  return performance.now() - started;
}

const direct = inventory('direct', false);
const bastion = inventory('bastion', true);
await deployTls`node ${cli} ca init --inventory ${direct}`;

const full: Record<string, number> = {};
for (const [name, file] of [
  ['direct', direct],
  ['bastion0', bastion],
] as const) {
  await resetToPlain();
  full[name] = await timed(file);
}
const again: Record<string, number[]> = { direct: [], bastion0: [] };
for (let run = 0; run < reruns; run++) {
  again.direct?.push(await timed(direct));
  again.bastion0?.push(await timed(bastion));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log('3 nodes (broker1..3), same run          direct      via bastion0   ratio');
console.log(
  `full rollout from plain (restarts)       ${s(full.direct ?? 0).padEnd(11)} ${s(full.bastion0 ?? 0).padEnd(14)} ${((full.bastion0 ?? 0) / (full.direct ?? 1)).toFixed(2)}`,
);
const d = median(again.direct ?? []);
const b = median(again.bastion0 ?? []);
console.log(
  `no-change rerun, median of ${reruns}          ${s(d).padEnd(11)} ${s(b).padEnd(14)} ${(b / d).toFixed(2)}`,
);
rmSync(work, { recursive: true, force: true });
