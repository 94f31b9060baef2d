// npm run bench:deploy -- --nodes 20 [--runs 3] [--concurrency 20]
// Wall time of the rollout's SSH work — connect, read facts, back up, push keystore, truststore and
// config.xml (no restart, no certificate issuing) — for 1 node and for N sandbox nodes in the same
// run, and SSH round trips per node. The files go to a bench folder beside the real ones, so the
// brokers are not changed. Needs the sandbox up with at least N nodes (npm run sandbox -- up --nodes N).
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { gatherNodeFacts } from '../../src/facts/gather.js';
import { backupFiles, installFiles } from '../../src/hivemq/install.js';
import { loadInventory } from '../../src/inventory/load.js';
import { storePasswords } from '../../src/keystore/index.js';
import { readCaCertificates } from '../../src/pki/ca.js';
import { caLayout } from '../../src/pki/index.js';
import { createSshConnector, localContext } from '../../src/remote/connector.js';
import { managedListeners, selectTargets } from '../../src/rollout/targets.js';
import { Secret } from '../../src/secret.js';
import { sandboxLayout } from '../sandbox/layout.js';

const TARGET = 2; // issue #4: 20 nodes in under 2x the time of 1 node

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '20' },
  },
});
const count = Number(values.nodes);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);

const layout = sandboxLayout();
const inventory = await loadInventory(layout.inventory, process.env);
if (inventory.nodes.length < count) {
  throw new Error(
    `the sandbox has ${inventory.nodes.length} nodes: run npm run sandbox -- up --nodes ${count}`,
  );
}
// Passwords only open the stores the facts read; the bench pushes bytes of realistic sizes.
const secret = new Secret(randomBytes(12).toString('hex'), 'bench');
const resolve = async () => secret;
const { intermediate } = await readCaCertificates(caLayout(inventory.ca.dir)).catch(() => {
  throw new Error(`no CA in ${inventory.ca.dir}: run deploy-tls ca init --inventory ${layout.inventory}`);
});
const intermediateX509 = new X509Certificate(intermediate.toString('pem'));
const payload = {
  keystore: randomBytes(5_500),
  truststore: randomBytes(3_000),
  config: randomBytes(2_000).toString('base64'),
};

const connector = createSshConnector({ local: localContext(process.env), path: process.env.PATH ?? '' });
const targets = await selectTargets(inventory, undefined, resolve, false);
const wrongPasswords = storePasswords('jks', { keystore: new Secret('x', 'bench') });

async function oneNode(index: number): Promise<number> {
  const target = targets[index];
  if (!target) throw new Error(`no node ${index}`);
  const { node } = target;
  const remote = await connector.connect(target.ssh);
  try {
    await gatherNodeFacts(remote, target.paths, {
      home: node.hivemq.home,
      listeners: managedListeners(node),
      passwords: wrongPasswords,
      intermediate: intermediateX509,
      become: target.ssh.become,
    });
    const dir = `${node.tls.dir}/bench`;
    const files = [`${dir}/hivemq-keystore.jks`, `${dir}/hivemq-truststore.jks`, `${dir}/config.xml`];
    await backupFiles(remote, `${dir}/backup`, files, new Date());
    await installFiles(remote, [
      { path: files[0] as string, data: payload.keystore, mode: 0o640 },
      { path: files[1] as string, data: payload.truststore, mode: 0o640 },
      { path: files[2] as string, data: payload.config, mode: 0o640 },
    ]);
    await remote.run(`rm -rf ${dir}`);
    return remote.roundTrips;
  } finally {
    await remote.close();
  }
}

/** At most `limit` of fn at once, results in the order of items. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Busy CPU time of the whole machine (jiffies → ms): the nodes' sshd and shells run here too. */
function machineBusyMs(): number {
  const fields =
    readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return ((fields.reduce((a, b) => a + b, 0) - idle) * 1000) / 100;
}

async function timed(nodes: number) {
  const cpu = process.cpuUsage();
  const busy = machineBusyMs();
  const start = performance.now();
  const trips = await mapLimit(
    Array.from({ length: nodes }, (_, i) => i),
    concurrency,
    oneNode,
  );
  const used = process.cpuUsage(cpu);
  return {
    seconds: (performance.now() - start) / 1000,
    roundTrips: Math.max(...trips),
    ownCpuMs: (used.user + used.system) / 1000,
    machineCpuMs: machineBusyMs() - busy,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const one: number[] = [];
const many: number[] = [];
let roundTrips = 0;
const ownCpu: number[] = [];
const machineCpu: number[] = [];
console.log(
  `bench:deploy: connect + facts + backup + push 3 files, 1 node vs ${count} nodes (concurrency ${concurrency}), ${runs} runs`,
);
for (let run = 1; run <= runs; run++) {
  const a = await timed(1);
  const b = await timed(count);
  roundTrips = b.roundTrips;
  ownCpu.push(b.ownCpuMs);
  machineCpu.push(b.machineCpuMs);
  one.push(a.seconds);
  many.push(b.seconds);
  console.log(
    `run ${run}/${runs}: 1 node ${a.seconds.toFixed(2)} s, ${count} nodes ${b.seconds.toFixed(2)} s`,
  );
}
const ratio = median(many) / median(one);
console.log(`\nmedian: 1 node ${median(one).toFixed(2)} s, ${count} nodes ${median(many).toFixed(2)} s`);
console.log(
  `SSH round trips per node: ${roundTrips - 1} for the rollout's steps (facts, backup, install), plus the bench's own rm`,
);
console.log(
  `${count} nodes / 1 node = ${ratio.toFixed(2)}x (target < ${TARGET}x: ${ratio < TARGET ? 'met' : 'NOT met'})`,
);
console.log(
  `CPU for ${count} nodes: deploy-tls ${median(ownCpu).toFixed(0)} ms (${(median(ownCpu) / count).toFixed(1)} ms/node); ` +
    `whole machine ${median(machineCpu).toFixed(0)} ms on ${availableParallelism()} cores, which the sandbox nodes' sshd and shells share`,
);
